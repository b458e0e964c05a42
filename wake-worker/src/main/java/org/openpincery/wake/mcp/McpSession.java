package org.openpincery.wake.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openpincery.model.McpServer;

/**
 * One wake's client of one remote MCP server (the official MCP Java SDK, Streamable HTTP): opened
 * at wake start, closed at wake end. The credential, when the server has one, is set as a header on
 * each request and kept nowhere else. Every answer is read through the SDK's {@code
 * maxResponseSize} ({@link McpSettings#maxResponseBytes}), so a 50 MB answer is never held in
 * memory; every request is bounded in time.
 */
final class McpSession implements AutoCloseable {

  private static final int MAX_LIST_PAGES = 20;

  private final McpServer server;
  private final McpSyncClient client;
  private final McpSettings settings;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * A client of {@code server}, not connected yet.
   *
   * @param headerValue the whole value of the server's auth header (scheme and credential), or null
   *     to send none
   */
  McpSession(McpServer server, String headerValue, McpSettings settings) {
    this.server = server;
    this.settings = settings;
    URI uri = URI.create(server.url());
    String base = uri.getScheme() + "://" + uri.getRawAuthority();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String endpoint = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    String header = server.authHeader();
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(base)
            .endpoint(endpoint)
            .connectTimeout(settings.listTimeout())
            .maxResponseSize(settings.maxResponseBytes())
            .openConnectionOnStartup(false)
            .httpRequestCustomizer(
                (builder, method, target, body, context) -> {
                  if (headerValue != null) {
                    builder.setHeader(header, headerValue);
                  }
                })
            .build();
    this.client =
        McpClient.sync(transport)
            .clientInfo(new McpSchema.Implementation("open-pincery", "1"))
            .requestTimeout(settings.callTimeout())
            .initializationTimeout(settings.listTimeout())
            .build();
  }

  McpServer server() {
    return server;
  }

  /**
   * Connects (initialize) and lists every tool, all within {@code MCP_LIST_TIMEOUT_SECONDS}.
   *
   * @throws Exception why the server cannot be used in this wake (a {@link TimeoutException} when
   *     it was too slow)
   */
  List<McpSchema.Tool> list() throws Exception {
    return within(
        settings.listTimeout().toMillis(),
        () -> {
          client.initialize();
          List<McpSchema.Tool> tools = new ArrayList<>();
          String cursor = null;
          for (int page = 0; page < MAX_LIST_PAGES; page++) {
            McpSchema.ListToolsResult result =
                cursor == null ? client.listTools() : client.listTools(cursor);
            if (result.tools() != null) {
              tools.addAll(result.tools());
            }
            cursor = result.nextCursor();
            if (cursor == null || cursor.isEmpty()) {
              break;
            }
          }
          return tools;
        });
  }

  /**
   * Calls {@code tool} with {@code arguments}, within {@code MCP_CALL_TIMEOUT_SECONDS}.
   *
   * @throws Exception why there is no result (a {@link TimeoutException} when none came in time)
   */
  McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) throws Exception {
    return within(
        settings.callTimeout().toMillis(),
        () -> client.callTool(new McpSchema.CallToolRequest(tool, arguments)));
  }

  // Bounds a blocking SDK call by the clock: the SDK's own timeouts apply too, this one holds even
  // when the transport itself hangs.
  private <T> T within(long millis, java.util.concurrent.Callable<T> work) throws Exception {
    Future<T> future = threads.submit(work);
    try {
      return future.get(millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } finally {
      future.cancel(true);
    }
  }

  /** Closes the client (its HTTP session, if the server keeps one), waiting at most 2 s. */
  @Override
  public void close() {
    Future<?> closing = threads.submit(client::close);
    try {
      closing.get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      closing.cancel(true);
    } finally {
      threads.shutdownNow();
    }
  }
}
