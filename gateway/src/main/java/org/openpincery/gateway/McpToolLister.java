package org.openpincery.gateway;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists a remote MCP server's tools live ({@code tools/list} over the Streamable HTTP transport,
 * with the official Java SDK): for an operator's refresh (docs/api.md, "Remote MCP servers"). The
 * blocking client runs on a worker thread; each step (connect, initialize, each page of tools/list)
 * is bounded by the timeout, and no further page is asked for once it has passed. A failure of the
 * server (unreachable, an HTTP error, not MCP, too slow, a body over {@link #MAX_RESPONSE_BYTES})
 * comes back as a failed future carrying {@link Unreachable} with a reason that names no secret:
 * the credential is only ever a header.
 */
final class McpToolLister {

  /** A tools/list answer larger than this is refused (a server may list many tools, not 50 MB). */
  static final int MAX_RESPONSE_BYTES = 4 << 20;

  private static final int MAX_PAGES = 20;
  private static final int MAX_REASON = 300;

  /** The server failed; {@code reason} is for people and carries no secret. */
  static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreachable(String reason) {
      super(reason, null, false, false);
    }
  }

  private final Vertx vertx;
  private final Duration timeout;

  McpToolLister(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  /**
   * How to authenticate to a server: {@code header: value}, where the value holds {@code secret} (a
   * credential's value, with or without a scheme before it).
   */
  record Auth(String header, String value, String secret) {
    @Override
    public String toString() {
      return "Auth[" + header + "]"; // never the value
    }
  }

  /**
   * The server's tools as {@code [{name, description, input_schema, annotations}]}, in its order.
   *
   * @param auth the header to authenticate with, or null for none
   */
  Future<JsonArray> list(String url, Auth auth) {
    return vertx.executeBlocking(() -> listBlocking(url, auth), false);
  }

  private JsonArray listBlocking(String url, Auth header) {
    URI uri = URI.create(url);
    String base = uri.getScheme() + "://" + uri.getRawAuthority();
    String endpoint = url.substring(base.length());
    HttpRequest.Builder request = HttpRequest.newBuilder();
    if (header != null) {
      request.header(header.header(), header.value());
    }
    var transport =
        HttpClientStreamableHttpTransport.builder(base)
            .endpoint(endpoint.isEmpty() ? "/" : endpoint)
            .requestBuilder(request)
            .connectTimeout(timeout)
            .maxResponseSize(MAX_RESPONSE_BYTES)
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (McpSyncClient client =
        McpClient.sync(transport)
            .clientInfo(new McpSchema.Implementation("open-pincery", "1"))
            .requestTimeout(timeout)
            .initializationTimeout(timeout)
            .build()) {
      client.initialize();
      List<McpSchema.Tool> tools = new ArrayList<>();
      String cursor = null;
      for (int page = 0; page < MAX_PAGES; page++) {
        // Each request is bounded on its own; a server that pages without end is bounded here.
        if (page > 0 && System.nanoTime() > deadline) {
          throw new Unreachable("listing the tools took longer than " + timeout.toSeconds() + "s");
        }
        McpSchema.ListToolsResult result = client.listTools(cursor);
        tools.addAll(result.tools() == null ? List.of() : result.tools());
        cursor = result.nextCursor();
        if (cursor == null || cursor.isEmpty()) {
          break;
        }
      }
      return json(tools);
    } catch (Unreachable e) {
      throw e;
    } catch (RuntimeException e) {
      throw new Unreachable(reason(e, header));
    }
  }

  private static JsonArray json(List<McpSchema.Tool> tools) {
    JsonArray out = new JsonArray();
    for (McpSchema.Tool t : tools) {
      if (t == null || t.name() == null) {
        continue;
      }
      JsonObject annotations = new JsonObject();
      McpSchema.ToolAnnotations a = t.annotations();
      if (a != null) {
        putIfSet(annotations, "title", a.title());
        putIfSet(annotations, "readOnlyHint", a.readOnlyHint());
        putIfSet(annotations, "destructiveHint", a.destructiveHint());
        putIfSet(annotations, "idempotentHint", a.idempotentHint());
        putIfSet(annotations, "openWorldHint", a.openWorldHint());
      }
      out.add(
          new JsonObject()
              .put("name", t.name())
              .put("description", t.description())
              .put(
                  "input_schema",
                  t.inputSchema() == null ? new JsonObject() : new JsonObject(t.inputSchema()))
              .put("annotations", annotations));
    }
    return out;
  }

  private static void putIfSet(JsonObject o, String key, Object value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  /** Each cause's message (or kind), outermost first, with the credential blanked if echoed. */
  private static String reason(Throwable e, Auth header) {
    java.util.LinkedHashSet<String> parts = new java.util.LinkedHashSet<>();
    Throwable cause = e;
    for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
      String m = cause.getMessage();
      parts.add(
          m == null || m.isBlank()
              ? cause.getClass().getSimpleName()
              : cause.getClass().getSimpleName() + ": " + m);
    }
    String text = String.join("; ", parts);
    if (header != null) {
      for (String secret : List.of(header.value(), header.secret())) {
        if (!secret.isEmpty()) {
          text = text.replace(secret, "[redacted]");
        }
      }
    }
    text = text.replaceAll("\\s+", " ").strip();
    return text.length() > MAX_REASON ? text.substring(0, MAX_REASON) + "…" : text;
  }
}
