package org.openpincery.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A remote MCP server no one here wrote: the official TypeScript SDK ({@code
 * @modelcontextprotocol/sdk} from npm) serving a given tool list over Streamable HTTP, configured by
 * {@code mcp/server.mjs} beside this class, in a Node process of its own on a free loopback port.
 * Installed once per JVM ({@code npm ci}) under the module's {@code target/mcp-server}. It records
 * the headers of every request, so a test can see which credential reached it.
 */
public final class RemoteMcpServer implements AutoCloseable {

  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "server.mjs");
  private static Path installed;

  private final NodeTools.Server server;
  private final String url;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * @param tools {@code [{name, description?, inputSchema?, annotations?}]}, as tools/list answers
   */
  public RemoteMcpServer(JsonArray tools) throws Exception {
    // Its stdin stays open: the server exits when this JVM does.
    server =
        NodeTools.Server.start(
            install(), "server.mjs", new JsonObject().put("tools", tools).encode());
    url = server.announced().getString("url");
  }

  /** The MCP endpoint, {@code http://127.0.0.1:<port>/mcp}. */
  public String url() {
    return url;
  }

  /**
   * The value of {@code header} (any case) on each MCP request so far, in order; null if absent.
   */
  public List<String> headerValues(String header) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url.replace("/mcp", "/__test/requests"))).build(),
            HttpResponse.BodyHandlers.ofString());
    List<String> values = new ArrayList<>();
    for (Object o : new JsonObject(r.body()).getJsonArray("requests")) {
      values.add(((JsonObject) o).getJsonObject("headers").getString(header.toLowerCase()));
    }
    return values;
  }

  /** Replaces the tools the server lists from now on. */
  public void setTools(JsonArray tools) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url.replace("/mcp", "/__test/tools")))
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        new JsonObject().put("tools", tools).encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 204) {
      throw new IllegalStateException("set tools: " + r.statusCode() + " " + r.body());
    }
  }

  private static synchronized Path install() throws Exception {
    if (installed == null) {
      installed = NodeTools.installFromClasspath(RemoteMcpServer.class, "mcp", FILES, "mcp-server");
    }
    return installed;
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
