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

  /**
   * Whether a server at {@code url} may be reached (docs/mcp.md): {@code https} always; plain
   * {@code http} only to a loopback host ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}, as
   * literals: a name is not resolved) unless {@code allowHttp} ({@code MCP_ALLOW_HTTP}). Null when
   * it may, else why not, in words for an operator or the model.
   */
  public static String refusedUrl(String url, boolean allowHttp) {
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url);
    } catch (IllegalArgumentException | NullPointerException e) {
      return "its URL is not a URL";
    }
    String scheme =
        uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return "its URL is not http(s)";
    }
    if (uri.getHost() == null) {
      return "its URL has no host";
    }
    if (scheme.equals("https") || allowHttp || loopback(uri.getHost())) {
      return null;
    }
    return "plain http reaches only loopback hosts unless MCP_ALLOW_HTTP=true";
  }

  private static boolean loopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    // Only literal addresses: a name could resolve elsewhere later.
    if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false;
    }
    try {
      return java.net.InetAddress.getByName(h).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
