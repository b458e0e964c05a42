package org.openpincery.model;

import java.util.Locale;
import java.util.Optional;

/**
 * A member's role in a workspace, from most to least powerful (issue 14):
 *
 * <ul>
 *   <li>{@code owner} — everything, including making and removing owners; a workspace always keeps
 *       at least one;
 *   <li>{@code admin} — members below owner, invitations, every token of the workspace, budgets and
 *       the audit log;
 *   <li>{@code operator} — agents, messages, schedules, timers and credentials;
 *   <li>{@code viewer} — read-only.
 * </ul>
 *
 * <p>The wire and database spelling is the lower-case name.
 */
public enum Role {
  VIEWER,
  OPERATOR,
  ADMIN,
  OWNER;

  /** The role's lower-case name, as the API and the database spell it. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this role may do what {@code required} may. */
  public boolean atLeast(Role required) {
    return compareTo(required) >= 0;
  }

  /** The less powerful of two roles. */
  public static Role lower(Role a, Role b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The role with this wire name, if it is one. */
  public static Optional<Role> parse(String wire) {
    if (wire == null) {
      return Optional.empty();
    }
    for (Role r : values()) {
      if (r.wire().equals(wire)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The role with this wire name, read from the database (which only holds known roles). */
  public static Role of(String wire) {
    return parse(wire).orElseThrow(() -> new IllegalArgumentException("unknown role " + wire));
  }
}
