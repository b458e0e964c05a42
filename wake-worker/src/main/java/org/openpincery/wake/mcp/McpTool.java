package org.openpincery.wake.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.openpincery.model.Capability;
import org.openpincery.wake.sandbox.Redactor;
import org.openpincery.wake.tools.ToolExecutor;
import org.openpincery.wake.tools.ToolOutcome;
import org.openpincery.wake.tools.ToolScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One granted tool of a remote MCP server, as the model calls it ({@code <server>__<tool>}). The
 * wake has validated the arguments against the tool's input schema; the call is bounded by {@code
 * MCP_CALL_TIMEOUT_SECONDS}, its text by {@code MCP_OUTPUT_CAP_BYTES} (cut with a note), and
 * redacted with the workspace's secrets. An {@code isError} result, a timeout, an answer that is
 * not JSON-RPC or is too large, a server gone: a failed result, and the wake goes on. The payload
 * of its {@code tool_result} names the server, the tool and the duration.
 */
final class McpTool implements ToolExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(McpTool.class);

  private final String name;
  private final String server;
  private final String tool;
  private final Capability capability;
  private final McpSession session;
  private final McpSettings settings;
  private final Supplier<Redactor> redactor;

  McpTool(
      String name,
      String server,
      String tool,
      Capability capability,
      McpSession session,
      McpSettings settings,
      Supplier<Redactor> redactor) {
    this.name = name;
    this.server = server;
    this.tool = tool;
    this.capability = capability;
    this.session = session;
    this.settings = settings;
    this.redactor = redactor;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Capability capability() {
    return capability;
  }

  /** It reaches another system: the step (its {@code tool_call}) commits before the call. */
  @Override
  public boolean externalEffects() {
    return true;
  }

  @Override
  public ToolOutcome run(ToolScope scope, JsonObject arguments) {
    long start = System.nanoTime();
    JsonObject detail = new JsonObject().put("mcp_server", server).put("mcp_tool", tool);
    McpSchema.CallToolResult result;
    try {
      result = session.call(tool, arguments.getMap());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      String why = redactor.get().redact(McpToolbox.reason(e, settings));
      LOG.warn("MCP call {} in wake {} failed: {}", name, scope.wakeId(), why);
      detail.put("duration_ms", millisSince(start)).put("failure", why);
      if (McpToolbox.timedOut(e)) {
        detail.put("timed_out", true);
      }
      return ToolOutcome.error("the MCP server " + server + " failed: " + why).withDetail(detail);
    }
    String text = redactor.get().redact(text(result));
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    detail.put("duration_ms", millisSince(start)).put("output_bytes", bytes.length);
    if (bytes.length > settings.outputCapBytes()) {
      text =
          cut(text, settings.outputCapBytes())
              + "\n[cut: the result was "
              + bytes.length
              + " bytes; only the first "
              + settings.outputCapBytes()
              + " are shown]";
      detail.put("truncated", true);
    }
    boolean failed = Boolean.TRUE.equals(result.isError());
    ToolOutcome outcome = failed ? ToolOutcome.error(text) : ToolOutcome.ok(text);
    return outcome.withDetail(detail);
  }

  // The content items: text joined; other kinds described briefly. Structured content alone is
  // shown as its JSON.
  private static String text(McpSchema.CallToolResult result) {
    StringBuilder out = new StringBuilder();
    List<McpSchema.Content> content = result.content() == null ? List.of() : result.content();
    for (McpSchema.Content item : content) {
      if (!out.isEmpty()) {
        out.append('\n');
      }
      switch (item) {
        case McpSchema.TextContent t -> out.append(t.text() == null ? "" : t.text());
        case McpSchema.ImageContent i ->
            out.append("[image, ")
                .append(i.mimeType())
                .append(", ")
                .append(i.data() == null ? 0 : i.data().length())
                .append(" base64 characters, not shown]");
        case McpSchema.AudioContent a ->
            out.append("[audio, ").append(a.mimeType()).append(", not shown]");
        case McpSchema.ResourceLink link ->
            out.append("[resource link: ").append(link.uri()).append(']');
        case McpSchema.EmbeddedResource r ->
            out.append(
                r.resource() instanceof McpSchema.TextResourceContents text
                    ? text.text()
                    : "[embedded resource " + r.resource().uri() + ", not shown]");
        default -> out.append("[").append(item.type()).append(" content, not shown]");
      }
    }
    if (out.isEmpty() && result.structuredContent() != null) {
      out.append(Json.encode(result.structuredContent()));
    }
    return out.toString();
  }

  // The longest prefix of at most maxBytes UTF-8 bytes, at a code-point boundary.
  private static String cut(String text, int maxBytes) {
    int bytes = 0;
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > maxBytes) {
        break;
      }
      bytes += size;
      i += Character.charCount(cp);
    }
    return text.substring(0, i);
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
