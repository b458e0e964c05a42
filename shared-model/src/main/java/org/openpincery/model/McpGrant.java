package org.openpincery.model;

import java.util.UUID;

/**
 * One tool of an MCP server an agent may call (V20 {@code mcp_grants}).
 *
 * @param server the server's name (its tool-name prefix)
 * @param tool a tool name as the server lists it, or {@link McpServer#ALL_TOOLS} for every tool
 * @param capability the class this grant gives the tool, overriding its annotations; null when the
 *     annotations decide (docs/supervision.md)
 */
public record McpGrant(UUID serverId, String server, String tool, Capability capability) {

  /**
   * The name the model sees for this grant's tool ({@code <server>__<tool>}, {@link
   * McpToolNames#namespaced}); {@code <server>__*} for a grant of every tool.
   */
  public String namespaced() {
    return McpServer.ALL_TOOLS.equals(tool)
        ? server + McpToolNames.SEPARATOR + McpServer.ALL_TOOLS
        : McpToolNames.namespaced(server, tool);
  }
}
