package org.openpincery.wake;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.model.Capability;
import org.openpincery.model.PermissionMode;
import org.openpincery.wake.tools.ToolExecutor;

/**
 * What supervision allows a wake's tool calls (docs/supervision.md): each tool's capability class
 * (as the tool declares it, or as the installation overrides it), the verdict of the agent's
 * permission mode on it, and how many calls of each tool one wake may make.
 */
final class ToolPolicy {

  /** Per-wake limits that apply unless {@code TOOL_CALL_LIMITS} says otherwise. */
  static final Map<String, Integer> DEFAULT_LIMITS =
      Map.of("send_message", 10, "set_timer", 10, "cancel_timer", 10);

  private static final Pattern TOOL = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  /**
   * The installation's supervision settings.
   *
   * @param capabilities {@code TOOL_CAPABILITIES}, e.g. {@code shell=destructive}: classes that
   *     replace what tools declare
   * @param limits {@code TOOL_CALL_LIMITS}, e.g. {@code shell=20,send_message=5}: calls per tool
   *     per wake (on top of {@link #DEFAULT_LIMITS}; {@code 0} means no limit of its own)
   * @param approvalTtl {@code APPROVAL_TTL_SECONDS} (default 24 h, 1 s to 30 days): how long a
   *     request waits for a person before it expires (answered to the model as denied)
   */
  record Settings(
      Map<String, Capability> capabilities, Map<String, Integer> limits, Duration approvalTtl) {

    Settings {
      capabilities = Map.copyOf(capabilities);
      limits = Map.copyOf(limits);
    }

    static Settings from(Env env) {
      Map<String, Capability> classes = new LinkedHashMap<>();
      pairs(env, "TOOL_CAPABILITIES")
          .forEach(
              (tool, value) ->
                  classes.put(
                      tool,
                      Capability.fromWire(value)
                          .orElseThrow(
                              () ->
                                  new ConfigException(
                                      "TOOL_CAPABILITIES",
                                      "'"
                                          + value
                                          + "' is not a class; use read_local, write_local,"
                                          + " external or destructive"))));
      Map<String, Integer> limits = new HashMap<>(DEFAULT_LIMITS);
      pairs(env, "TOOL_CALL_LIMITS")
          .forEach(
              (tool, value) -> {
                int limit;
                try {
                  limit = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                  limit = -1;
                }
                if (limit < 0 || limit > 1000) {
                  throw new ConfigException(
                      "TOOL_CALL_LIMITS",
                      "the limit of " + tool + " must be 0 to 1000, not " + value);
                }
                limits.put(tool, limit);
              });
      return new Settings(
          classes,
          limits,
          env.seconds("APPROVAL_TTL_SECONDS", Duration.ofHours(24), 1, 30L * 24 * 3600));
    }

    // "a=b,c=d" with tool names as keys; a malformed entry names the setting.
    private static Map<String, String> pairs(Env env, String name) {
      Map<String, String> out = new LinkedHashMap<>();
      Optional<String> raw = env.string(name).filter(v -> !v.isBlank());
      if (raw.isEmpty()) {
        return out;
      }
      for (String entry : raw.get().split(",")) {
        String[] kv = entry.strip().split("=", -1);
        if (kv.length != 2 || !TOOL.matcher(kv[0].strip()).matches() || kv[1].isBlank()) {
          throw new ConfigException(
              name, "'" + entry.strip() + "' is not tool=value (e.g. shell=destructive)");
        }
        out.put(kv[0].strip(), kv[1].strip());
      }
      return out;
    }
  }

  private final Map<String, Capability> classes = new HashMap<>();
  private final Settings settings;

  ToolPolicy(List<ToolExecutor> tools, Settings settings) {
    this.settings = settings;
    tools.forEach(t -> classes.put(t.name(), t.capability()));
    classes.putAll(settings.capabilities());
  }

  private ToolPolicy(Map<String, Capability> classes, Settings settings) {
    this.settings = settings;
    this.classes.putAll(classes);
  }

  /**
   * This policy with one wake's remote MCP tools and their classes (docs/mcp.md); the
   * installation's {@code TOOL_CAPABILITIES} still overrides them by name.
   */
  ToolPolicy with(Map<String, Capability> more) {
    if (more.isEmpty()) {
      return this;
    }
    Map<String, Capability> all = new HashMap<>(classes);
    all.putAll(more);
    all.putAll(settings.capabilities());
    return new ToolPolicy(all, settings);
  }

  /**
   * The class of {@code tool}: as overridden, else as declared; a tool nobody classified (which no
   * worker runs) counts as destructive.
   */
  Capability capability(String tool) {
    return classes.getOrDefault(tool, Capability.DESTRUCTIVE);
  }

  /** The most calls of {@code tool} one wake may make, or 0 for no limit of its own. */
  int limit(String tool) {
    return settings.limits().getOrDefault(tool, 0);
  }

  Duration approvalTtl() {
    return settings.approvalTtl();
  }

  PermissionMode.Verdict verdict(PermissionMode mode, String tool) {
    return mode.verdict(capability(tool));
  }
}
