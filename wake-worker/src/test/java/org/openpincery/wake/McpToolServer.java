package org.openpincery.wake;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openpincery.testkit.NodeTools;

/**
 * A real MCP tool server written with the official TypeScript SDK ({@code src/test/node/
 * tool-server.mjs}, npm {@code @modelcontextprotocol/sdk} pinned in its lock file), run by node on
 * a free loopback port for as long as the test holds it. Installed once per JVM under {@code
 * target/mcp-tool-server} ({@code npm ci}).
 */
final class McpToolServer implements AutoCloseable {

  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "tool-server.mjs");
  private static Path installed;

  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * Starts a server.
   *
   * @param expectedAuth the header value it checks requests for (its echo tool says whether it got
   *     it), or null
   */
  McpToolServer(String header, String expectedAuth) throws Exception {
    this(header, expectedAuth, false);
  }

  /**
   * @param sse whether it answers as an event stream ({@code text/event-stream}) rather than as
   *     JSON
   */
  McpToolServer(String header, String expectedAuth, boolean sse) throws Exception {
    this(new JsonObject().put("header", header).put("sse", sse), expectedAuth);
  }

  /** With the script's settings as they are (e.g. {@code listDelayMs}). */
  McpToolServer(JsonObject settings, String expectedAuth) throws Exception {
    if (expectedAuth != null) {
      settings.put("expectedAuth", expectedAuth);
    }
    process =
        new ProcessBuilder("node", "tool-server.mjs", settings.encode())
            .directory(install().toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return out.readLine();
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })
            .get(30, TimeUnit.SECONDS);
    if (line == null || !line.startsWith("listening ")) {
      process.destroyForcibly();
      throw new IllegalStateException("the MCP tool server did not start: " + line);
    }
    port = Integer.parseInt(line.substring("listening ".length()).strip());
  }

  /** Its MCP endpoint. */
  String url() {
    return "http://127.0.0.1:" + port + "/mcp";
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Adds a tool (no arguments, read-only), offered from the next tools/list on. */
  void addTool(String name) throws Exception {
    var r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/control/add?name=" + name))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    if (r.statusCode() != 204) {
      throw new IllegalStateException("add tool: " + r.statusCode());
    }
  }

  /** The tools/call requests it received: {tool, arguments, auth}. */
  List<JsonObject> calls() throws Exception {
    var r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/control/calls"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new JsonArray(r.body()).stream().map(JsonObject.class::cast).toList();
  }

  /** How many calls of {@code tool} it received. */
  long callsOf(String tool) throws Exception {
    return calls().stream().filter(c -> tool.equals(c.getString("tool"))).count();
  }

  private static synchronized Path install() throws Exception {
    if (installed == null) {
      installed =
          NodeTools.install(
              Path.of("src", "test", "node").toAbsolutePath(),
              Path.of("target", "mcp-tool-server").toAbsolutePath(),
              FILES);
    }
    return installed;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
