package org.openpincery.model;

import io.vertx.core.json.JsonArray;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A remote MCP server a workspace registered (V20 {@code mcp_servers}, docs/mcp.md). Its tools are
 * offered to the agents granted them, named {@code <name>__<tool>} ({@link McpToolNames}).
 *
 * @param name the tool-name prefix, {@code ^[a-z][a-z0-9_]{0,31}$}, unique among the workspace's
 *     live servers
 * @param url the Streamable HTTP endpoint (https; http only on loopback or with MCP_ALLOW_HTTP)
 * @param transport {@code streamable_http} (the only one so far)
 * @param credentialName the workspace credential whose value is sent as {@code authHeader}, or null
 *     for none; never the value itself
 * @param authScheme put before the value ({@code Bearer} by default); empty sends the raw value
 * @param tools the last tools/list answer, {@code [{name, description, input_schema,
 *     annotations}]}, or null before the first listing
 * @param lastError why the last listing failed, or null when it succeeded
 * @param deletedAt set once the server was removed (soft delete), else null
 */
public record McpServer(
    UUID id,
    UUID workspaceId,
    String name,
    String url,
    String transport,
    String credentialName,
    String authHeader,
    String authScheme,
    boolean enabled,
    String description,
    JsonArray tools,
    OffsetDateTime toolsListedAt,
    String lastError,
    UUID createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    OffsetDateTime deletedAt) {

  /** The only transport so far (MCP Streamable HTTP). */
  public static final String STREAMABLE_HTTP = "streamable_http";

  /** A server name's rule (V20's {@code mcp_servers_name_format}). */
  public static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("^[a-z][a-z0-9_]{0,31}$");

  /** The tool of a grant that stands for every tool of its server. */
  public static final String ALL_TOOLS = "*";
}
