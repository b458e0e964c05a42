package org.openpincery.wake.sandbox;

import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.openpincery.model.Capability;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.store.WakeRepository.StepEvent;
import org.openpincery.vault.Vault;
import org.openpincery.wake.tools.ToolExecutor;
import org.openpincery.wake.tools.ToolOutcome;
import org.openpincery.wake.tools.ToolScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shell {command, env?}}: one command in the agent's sandbox. An env value {@code
 * PLACEHOLDER:<name>} is replaced at exec time by the workspace credential of that name; an unknown
 * or revoked name fails the call closed (with a {@code credential_unresolved} event). Output has
 * every live secret of the workspace redacted before the model or the log sees it.
 */
public final class ShellTool implements ToolExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(ShellTool.class);
  static final String PLACEHOLDER = "PLACEHOLDER:";

  private final Sandbox sandbox;
  private final WorkspaceSecrets secrets;

  public ShellTool(Sandbox sandbox, Optional<Vault> vault) {
    this.sandbox = sandbox;
    this.secrets = new WorkspaceSecrets(vault);
  }

  @Override
  public String name() {
    return "shell";
  }

  /**
   * {@code write_local}: a command runs without network, in the agent's own {@code /work} only
   * (docs/configuration.md, "the shell sandbox"). An installation that counts it as more ({@code
   * TOOL_CAPABILITIES= shell=destructive}) makes supervised agents ask before each command.
   */
  @Override
  public Capability capability() {
    return Capability.WRITE_LOCAL;
  }

  @Override
  public boolean externalEffects() {
    return true;
  }

  @Override
  public ToolOutcome run(ToolScope scope, JsonObject arguments) {
    JsonObject profile = new JsonObject().put("sandbox", sandbox.profile());
    if (!sandbox.usable()) {
      return ToolOutcome.error(
              "the shell is unavailable on this worker (" + sandbox.profile() + "); nothing ran")
          .withDetail(profile.put("denied", "sandbox_unavailable"));
    }
    Map<String, String> secrets = this.secrets.open(scope);
    Redactor redactor = new Redactor(secrets);
    Map<String, String> env = new HashMap<>();
    JsonObject requested = arguments.getJsonObject("env", new JsonObject());
    for (String key : requested.fieldNames()) {
      String value = requested.getString(key);
      if (value.startsWith(PLACEHOLDER)) {
        String name = value.substring(PLACEHOLDER.length());
        String secret = secrets.get(name);
        if (secret == null) {
          NewEvent unresolved =
              NewEvent.of(EventType.CREDENTIAL_UNRESOLVED, "runtime", null)
                  .withPayload(new JsonObject().put("name", name).put("env", key));
          return new ToolOutcome(
              "error: credential '"
                  + name
                  + "' is unknown or revoked (list_credentials shows what exists); nothing ran",
              false,
              List.of(StepEvent.own(unresolved)),
              false,
              false,
              profile.copy().put("denied", "credential_unresolved"));
        }
        env.put(key, secret);
      } else {
        env.put(key, value);
      }
    }
    try {
      Path dir = sandbox.workDir(scope.agentId());
      long used = sandbox.workDirSize(dir);
      if (used > limit()) {
        return ToolOutcome.error(
                "your work directory holds "
                    + used / (1024 * 1024)
                    + " MB, over its cap; delete files before running more commands")
            .withDetail(profile.put("denied", "work_dir_full"));
      }
    } catch (IOException e) {
      return ToolOutcome.error("the work directory is not usable: " + e.getMessage());
    }
    String command = arguments.getString("command");
    Sandbox.Result r = runOffContext(scope, command, env);
    if (r == null) {
      return ToolOutcome.error("the command could not be started").withDetail(profile);
    }
    JsonObject output =
        new JsonObject()
            .put("exit_code", r.exitCode())
            .put("stdout", redactor.redact(r.stdout()))
            .put("stderr", redactor.redact(r.stderr()))
            .put("stdout_truncated", r.stdoutTruncated())
            .put("stderr_truncated", r.stderrTruncated())
            .put("output_cap_bytes", outputCap())
            .put("timed_out", r.timedOut())
            .put("duration_ms", r.durationMillis());
    return new ToolOutcome(
        output.encode(),
        r.exitCode() == 0 && !r.timedOut(),
        List.of(),
        false,
        false,
        profile
            .put("exit_code", r.exitCode())
            .put("duration_ms", r.durationMillis())
            .put("timed_out", r.timedOut())
            .put("truncated", r.stdoutTruncated() || r.stderrTruncated()));
  }

  // The command blocks for up to its wall clock: it runs on a thread of its own, and the wake
  // awaits
  // it, so the worker's other wakes go on meanwhile.
  private Sandbox.Result runOffContext(ToolScope scope, String command, Map<String, String> env) {
    Promise<Sandbox.Result> done = Promise.promise();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                done.complete(sandbox.run(scope.agentId(), command, env));
              } catch (IOException | RuntimeException e) {
                LOG.warn("shell for agent {} failed to start: {}", scope.agentId(), e.toString());
                done.complete(null);
              }
            });
    return done.future().await();
  }

  private long limit() {
    return sandboxConfig().workDirBytes();
  }

  private int outputCap() {
    return sandboxConfig().outputBytes();
  }

  private SandboxConfig sandboxConfig() {
    return sandbox.config();
  }
}
