package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.AgentView;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.Store;

/**
 * Waits, on the event loop and without blocking it (a Vert.x timer per poll), for the wake that
 * read a message to end, and collects the agent's replies: MCP's {@code send_message} with {@code
 * wait_seconds}.
 *
 * <p>The message at {@code seq} was read once the agent's {@code consumed_seq} reaches it
 * (invariant 4: a wake advances it only over what it showed the model); that wake has ended once
 * the agent is no longer {@code awake}. Its replies are the {@code assistant_message} events after
 * {@code seq} with the wake id of the last {@code wake_end} (or {@code wake_abandoned}) after
 * {@code seq}. An agent that is stopped or disabled ends the wait at once (no wake will come). At
 * the deadline, the replies so far are returned with {@code timed_out: true}.
 *
 * <p>Why polling rather than the event stream's notifications: a poll is two indexed reads every
 * 250 ms for at most 120 s per waiting call, and needs no subscription to clean up when the MCP
 * client goes away; the reply arrives at most one poll late.
 */
final class ReplyWait {

  private static final int PAGE = 500;

  private final Vertx vertx;
  private final Store.InWorkspaces scope;
  private final UUID workspace;
  private final UUID agent;
  private final long seq;

  ReplyWait(Vertx vertx, Store.InWorkspaces scope, UUID workspace, UUID agent, long seq) {
    this.vertx = vertx;
    this.scope = scope;
    this.workspace = workspace;
    this.agent = agent;
    this.seq = seq;
  }

  /**
   * @return {@code {replies: [text…], wake_ended, timed_out, termination_reason}}; fails only when
   *     the database does
   */
  Future<JsonObject> await(long timeoutMillis, long pollMillis) {
    Promise<JsonObject> done = Promise.promise();
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    poll(done, deadline, pollMillis);
    return done.future();
  }

  private void poll(Promise<JsonObject> done, long deadline, long pollMillis) {
    scope
        .agents()
        .get(workspace, agent)
        .compose(
            view ->
                scope
                    .events()
                    .pageAfter(agent, seq, PAGE)
                    .map(events -> outcome(view.orElse(null), events, deadline)))
        .onSuccess(
            result -> {
              if (result != null) {
                done.complete(result);
              } else {
                vertx.setTimer(pollMillis, id -> poll(done, deadline, pollMillis));
              }
            })
        .onFailure(done::fail);
  }

  /** The answer, or null to poll again. */
  private JsonObject outcome(AgentView view, List<StoredEvent> events, long deadline) {
    boolean gone = view == null || view.deleted() || view.stopped() || !view.enabled();
    boolean ended = view != null && view.consumedSeq() >= seq && view.status() != AgentStatus.AWAKE;
    boolean late = System.nanoTime() >= deadline;
    StoredEvent end = null;
    for (StoredEvent e : events) {
      if (e.eventType().equals("wake_end") || e.eventType().equals("wake_abandoned")) {
        end = e;
      }
    }
    if (ended && end == null && !gone && !late) {
      return null; // the end event is committed with the status change; read again
    }
    if (!(ended || gone || late)) {
      return null;
    }
    UUID wake = ended && end != null ? end.wakeId() : null;
    JsonArray replies = new JsonArray();
    for (StoredEvent e : events) {
      if (e.eventType().equals("assistant_message")
          && e.content() != null
          && (wake == null || wake.equals(e.wakeId()))) {
        replies.add(e.content());
      }
    }
    return new JsonObject()
        .put("replies", replies)
        .put("wake_ended", ended && end != null)
        .put("timed_out", !ended && !gone)
        .put("termination_reason", ended && end != null ? end.terminationReason() : null);
  }
}
