package org.openpincery.wake.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.model.Capability;

/** The rules of remote MCP tools that need no server: classes, URLs, settings (docs/mcp.md). */
class McpToolboxTest {

  private static McpSchema.ToolAnnotations hints(Boolean readOnly, Boolean destructive) {
    return new McpSchema.ToolAnnotations(null, readOnly, destructive, null, null, null);
  }

  @Test
  void theClassIsTheGrantsOverrideElseTheAnnotationsWithTheSpecsDefaults() {
    assertThat(McpToolbox.capabilityOf(hints(true, true), Capability.READ_LOCAL))
        .isEqualTo(Capability.READ_LOCAL);
    assertThat(McpToolbox.capabilityOf(hints(true, null), null)).isEqualTo(Capability.EXTERNAL);
    // destructiveHint defaults to true: no annotations at all is destructive.
    assertThat(McpToolbox.capabilityOf(null, null)).isEqualTo(Capability.DESTRUCTIVE);
    assertThat(McpToolbox.capabilityOf(hints(false, null), null)).isEqualTo(Capability.DESTRUCTIVE);
    assertThat(McpToolbox.capabilityOf(hints(null, false), null)).isEqualTo(Capability.EXTERNAL);
  }

  @Test
  void plainHttpReachesOnlyLoopbackUnlessAllowed() {
    assertThat(McpToolbox.refusedUrl("https://mcp.example.com/mcp", false)).isNull();
    assertThat(McpToolbox.refusedUrl("http://127.0.0.1:9/mcp", false)).isNull();
    assertThat(McpToolbox.refusedUrl("http://localhost:9/mcp", false)).isNull();
    assertThat(McpToolbox.refusedUrl("http://[::1]:9/mcp", false)).isNull();
    assertThat(McpToolbox.refusedUrl("http://mcp.example.com/mcp", false))
        .contains("MCP_ALLOW_HTTP");
    assertThat(McpToolbox.refusedUrl("http://10.0.0.1/mcp", false)).contains("MCP_ALLOW_HTTP");
    // A name that merely starts like a loopback address is not one.
    assertThat(McpToolbox.refusedUrl("http://127.0.0.1.example.com/mcp", false)).isNotNull();
    assertThat(McpToolbox.refusedUrl("http://mcp.example.com/mcp", true)).isNull();
    assertThat(McpToolbox.refusedUrl("ftp://mcp.example.com/", true)).isNotNull();
  }

  @Test
  void theSettingsHaveTheirDefaultsAndBounds() {
    McpSettings defaults = McpSettings.from(Env.of(Map.of()));
    assertThat(defaults).isEqualTo(McpSettings.DEFAULTS);
    assertThat(defaults.maxResponseBytes()).isEqualTo(4 * 1024 * 1024);
    McpSettings set =
        McpSettings.from(
            Env.of(
                Map.of(
                    "MCP_LIST_TIMEOUT_SECONDS", "2",
                    "MCP_CALL_TIMEOUT_SECONDS", "60",
                    "MCP_OUTPUT_CAP_BYTES", "1048576",
                    "MCP_ALLOW_HTTP", "true")));
    assertThat(set.listTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(set.callTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(set.allowHttp()).isTrue();
    assertThat(set.maxResponseBytes()).isEqualTo(8 * 1048576 + 65536);
    assertThatThrownBy(() -> McpSettings.from(Env.of(Map.of("MCP_ALLOW_HTTP", "yes"))))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> McpSettings.from(Env.of(Map.of("MCP_OUTPUT_CAP_BYTES", "10"))))
        .isInstanceOf(ConfigException.class);
  }
}
