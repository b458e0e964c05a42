package org.openpincery.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * What an agent may do without a person (docs/supervision.md), stored in {@code
 * agents.permission_mode} (V18).
 */
public enum PermissionMode {
  /** Only {@link Capability#READ_LOCAL} tools run; every other call is refused. */
  LOCKED("locked"),
  /** {@link Capability#EXTERNAL} and {@link Capability#DESTRUCTIVE} calls wait for an approval. */
  SUPERVISED("supervised"),
  /** Every tool runs. */
  AUTONOMOUS("autonomous");

  /** What a mode does with a call of some class. */
  public enum Verdict {
    RUN,
    NEEDS_APPROVAL,
    REFUSED
  }

  private final String wire;

  PermissionMode(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The verdict of this mode on a call of class {@code capability}. */
  public Verdict verdict(Capability capability) {
    return switch (this) {
      case AUTONOMOUS -> Verdict.RUN;
      case LOCKED -> capability == Capability.READ_LOCAL ? Verdict.RUN : Verdict.REFUSED;
      case SUPERVISED ->
          switch (capability) {
            case READ_LOCAL, WRITE_LOCAL -> Verdict.RUN;
            case EXTERNAL, DESTRUCTIVE -> Verdict.NEEDS_APPROVAL;
          };
    };
  }

  public static Optional<PermissionMode> fromWire(String wire) {
    return Arrays.stream(values()).filter(m -> m.wire.equals(wire)).findFirst();
  }

  @Override
  public String toString() {
    return wire;
  }
}
