package org.openpincery.notify;

/**
 * The PostgreSQL notification channels. Payloads carry ids only: a notification is a hint to go and
 * read rows, never data.
 */
public enum Channel {
  /** An agent has pending work. Payload: agent id. */
  WAKE("pincery_wake"),
  /** An agent entered maintenance. Payload: agent id. */
  MAINTENANCE("pincery_maintenance"),
  /** An event was appended. Payload: {@code <agent id>:<seq>}. */
  EVENTS("pincery_events"),
  /**
   * Sessions or API tokens ended, or a member's role changed: gateways drop what they cached and
   * end the event streams concerned. Payload: {@code session:<session or token id>} or {@code
   * user:<user id>}.
   */
  SESSIONS("pincery_sessions"),
  /**
   * Outbound notifications were queued (V19's pincery_enqueue_notification, inside the writing
   * transaction: they are rare). Payload: the workspace id.
   */
  NOTIFICATIONS("pincery_notifications");

  private final String pgName;

  Channel(String pgName) {
    this.pgName = pgName;
  }

  /** The name used with LISTEN and pg_notify. */
  public String pgName() {
    return pgName;
  }

  /** The local event-bus address a listener re-publishes this channel's payloads on. */
  public String address() {
    return "pincery.notify." + pgName;
  }
}
