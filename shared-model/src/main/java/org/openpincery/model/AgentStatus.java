package org.openpincery.model;

/** Where an agent is in its lifecycle: asleep, then awake, then in maintenance, then asleep. */
public enum AgentStatus {
  ASLEEP("asleep"),
  AWAKE("awake"),
  MAINTENANCE("maintenance");

  private final String wire;

  AgentStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static AgentStatus fromWire(String wire) {
    for (AgentStatus s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown agent status " + wire);
  }
}
