package org.openpincery.gateway;

import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.openpincery.store.AppendBatcher;
import org.openpincery.store.Store;

/**
 * Open Pincery as an MCP server (issue 15, docs/mcp.md): the MCP Java SDK's {@link McpAsyncServer}
 * with the tools and resources of {@link McpTools}, served over the Streamable HTTP transport of
 * {@link McpTransport} at {@code /mcp}. The route table ({@link ApiRouter}) authenticates the
 * request and enters its workspace scope before {@link #handle} runs.
 */
final class McpEndpoint {

  static final String PATH = "/mcp";
  private static final String VERSION =
      java.util.Objects.requireNonNullElse(
          McpEndpoint.class.getPackage().getImplementationVersion(), "dev");

  private final McpTransport transport;
  private final McpAsyncServer server;

  McpEndpoint(
      Vertx vertx,
      Store store,
      AppendBatcher messages,
      ClientAddress clients,
      GatewayMetrics metrics,
      Duration keepAlive) {
    this.transport = new McpTransport(vertx, clients, keepAlive);
    McpTools tools = new McpTools(vertx, messages, store.audit(), metrics);
    this.server =
        McpServer.async(transport)
            .serverInfo("open-pincery", VERSION)
            .instructions(
                "Open Pincery hosts long-lived agents. list_agents shows yours; send_message"
                    + " wakes one (wait_seconds to get its reply); read_events and the"
                    + " pincery://agents/{id}/events and /projection resources show what it did.")
            .capabilities(
                McpSchema.ServerCapabilities.builder().tools(false).resources(false, false).build())
            // A tool call may wait up to 120 s for an agent's reply (send_message).
            .requestTimeout(Duration.ofSeconds(McpTools.MAX_WAIT_SECONDS + 30))
            .tools(tools.tools())
            .resources(tools.fixedResources())
            .resourceTemplates(tools.resources())
            .build();
  }

  void handle(RoutingContext ctx) {
    transport.handle(ctx);
  }
}
