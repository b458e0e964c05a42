package org.openpincery.wake.mcp;

import java.time.Duration;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * How the wake worker talks to remote MCP servers (docs/configuration.md, docs/mcp.md).
 *
 * @param listTimeout {@code MCP_LIST_TIMEOUT_SECONDS} (default 5, 1 to 120): connecting to a server
 *     and listing its tools at wake start; a server slower than that is left out of the wake
 * @param callTimeout {@code MCP_CALL_TIMEOUT_SECONDS} (default 30, 1 to 3600): one tool call
 * @param outputCapBytes {@code MCP_OUTPUT_CAP_BYTES} (default 65536, 1024 to 10 MiB): the most of a
 *     result's text the model sees (UTF-8 bytes); a longer one is cut with a note
 * @param allowHttp {@code MCP_ALLOW_HTTP} (default false): whether plain http may reach a host
 *     other than loopback
 */
public record McpSettings(
    Duration listTimeout, Duration callTimeout, int outputCapBytes, boolean allowHttp) {

  /** The defaults. */
  public static final McpSettings DEFAULTS =
      new McpSettings(Duration.ofSeconds(5), Duration.ofSeconds(30), 65_536, false);

  public static McpSettings from(Env env) {
    String allow = env.string("MCP_ALLOW_HTTP", "false").strip().toLowerCase();
    if (!allow.equals("true") && !allow.equals("false")) {
      throw new ConfigException("MCP_ALLOW_HTTP", "must be true or false, not '" + allow + "'");
    }
    return new McpSettings(
        env.seconds("MCP_LIST_TIMEOUT_SECONDS", Duration.ofSeconds(5), 1, 120),
        env.seconds("MCP_CALL_TIMEOUT_SECONDS", Duration.ofSeconds(30), 1, 3600),
        env.integer("MCP_OUTPUT_CAP_BYTES", 65_536, 1024, 10 * 1024 * 1024),
        allow.equals("true"));
  }

  /**
   * The most bytes of one HTTP answer the client reads (the SDK's {@code maxResponseSize}): eight
   * times the output cap plus room for JSON, at least 4 MiB (a long tools/list). A larger answer is
   * not read further and the call fails; one between the cap and this is cut to the cap.
   */
  public int maxResponseBytes() {
    long bound = Math.max(4L * 1024 * 1024, 8L * outputCapBytes + 65_536);
    return (int) Math.min(Integer.MAX_VALUE, bound);
  }
}
