package org.openpincery.wake.tools;

import io.vertx.core.json.JsonObject;
import org.openpincery.model.Capability;

/**
 * Runs one tool. This is the seam for every tool, the sandboxed shell included: the wake loop has
 * validated the arguments against the tool's schema before calling {@link #run}, which executes on
 * the wake's virtual thread and may await futures.
 */
public interface ToolExecutor {

  /** The tool's name in the catalogue. */
  String name();

  /**
   * What running the tool can do (docs/supervision.md): the agent's permission mode runs, gates or
   * refuses calls by it. An installation may override it ({@code TOOL_CAPABILITIES}).
   */
  Capability capability();

  /**
   * Whether running the tool acts outside the database (a shell command, an HTTP call). The wake
   * commits the step so far, {@code tool_call} included, before running such a tool, so the log
   * shows the attempt even if the worker dies during it. Tools whose only effects are rows written
   * with the step itself need not.
   */
  default boolean externalEffects() {
    return false;
  }

  /**
   * Whether the tool writes its arguments into the log as they are ({@code remember}). Such a tool
   * runs with the arguments as shown to people, the workspace's secrets redacted, so that no secret
   * reaches the log or the memory index through it.
   */
  default boolean recordsArguments() {
    return false;
  }

  ToolOutcome run(ToolScope scope, JsonObject arguments);
}
