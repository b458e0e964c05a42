package org.openpincery.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * What running a tool can do, from least to most risky (docs/supervision.md). Every tool declares
 * one; an agent's {@link PermissionMode} decides which classes run, which wait for a person, and
 * which are refused.
 */
public enum Capability {
  /** Reads the agent's own state only (its timers, credential names). */
  READ_LOCAL("read_local"),
  /** Changes the agent's own state or its workspace's: timers, messages, its sandboxed /work. */
  WRITE_LOCAL("write_local"),
  /** Reaches outside the installation: the network, another system's API. */
  EXTERNAL("external"),
  /** Can destroy or spend what cannot be given back (deletes, payments, deployments). */
  DESTRUCTIVE("destructive");

  private final String wire;

  Capability(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /**
   * The class of a remote MCP tool from its annotations (docs/supervision.md; the MCP spec's
   * ToolAnnotations, whose absent hints default to {@code readOnlyHint: false} and {@code
   * destructiveHint: true}): a read-only tool reads another system, so {@link #EXTERNAL}; a tool
   * that says it destroys nothing is {@link #EXTERNAL}; any other is {@link #DESTRUCTIVE}.
   *
   * @param readOnlyHint the annotation, or null when absent
   * @param destructiveHint the annotation, or null when absent
   */
  public static Capability ofMcpHints(Boolean readOnlyHint, Boolean destructiveHint) {
    if (Boolean.TRUE.equals(readOnlyHint)) {
      return EXTERNAL;
    }
    return Boolean.FALSE.equals(destructiveHint) ? EXTERNAL : DESTRUCTIVE;
  }

  public static Optional<Capability> fromWire(String wire) {
    return Arrays.stream(values()).filter(c -> c.wire.equals(wire)).findFirst();
  }

  @Override
  public String toString() {
    return wire;
  }
}
