package org.openpincery.model;

/**
 * How a remote MCP tool is named to the model (docs/mcp.md): {@code <server name>__<tool name>},
 * with the tool name reduced to {@code [A-Za-z0-9_-]} (any other character becomes {@code _}) and
 * the whole cut to 64 characters — OpenAI's function-name rule ({@code ^[a-zA-Z0-9_-]{1,64}$}). Two
 * tools of a server that reduce to the same name collide; the wake worker offers the first and
 * skips the other.
 */
public final class McpToolNames {

  /** Between the server name and the tool name. */
  public static final String SEPARATOR = "__";

  /** The longest function name a model provider accepts. */
  public static final int MAX_LENGTH = 64;

  private McpToolNames() {}

  /** {@code <server>__<tool>}, reduced and cut as the class says. */
  public static String namespaced(String server, String tool) {
    StringBuilder out = new StringBuilder(server).append(SEPARATOR);
    for (int i = 0; i < tool.length() && out.length() < MAX_LENGTH; i++) {
      char c = tool.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      out.append(allowed ? c : '_');
    }
    return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
  }

  /** Whether a tool name the model called may be an MCP tool (it has the separator). */
  public static boolean looksNamespaced(String name) {
    return name.contains(SEPARATOR);
  }

  /** The server part of a namespaced name, or null when it has none. */
  public static String serverOf(String name) {
    int at = name.indexOf(SEPARATOR);
    return at <= 0 ? null : name.substring(0, at);
  }
}
