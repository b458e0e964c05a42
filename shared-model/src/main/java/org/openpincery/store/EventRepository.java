package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.notify.Notifier;

/** The append-only event log: append (plain or fenced by a wake), read, verify the chain. */
public final class EventRepository {

  // pincery_append_event (V1) does the whole append in one round trip under the agent's row lock:
  // gapless seq, hash chain, inbox head for waking types. No row back = agent missing or fence
  // lost.
  static final String APPEND_EVENT =
      """
      SELECT event_id, seq, created_at, pending
        FROM pincery_append_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
      """;

  // The operator API's append: the same function, called only for a live agent of the caller's
  // workspace (the filtered subquery runs first, so another workspace's agent is never touched).
  static final String APPEND_EVENT_IN_WORKSPACE =
      """
      SELECT e.event_id, e.seq, e.created_at, e.pending
        FROM (SELECT id FROM agents WHERE id = $1 AND workspace_id = $12 AND deleted_at IS NULL) a
       CROSS JOIN LATERAL pincery_append_event(a.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) e
      """;

  // pincery_append_events_in_workspaces (V2): many events, one transaction, agents locked in id
  // order. Returns one row per item that was written, numbered by its 1-based position.
  static final String APPEND_EVENTS_IN_WORKSPACES =
      """
      SELECT idx, event_id, seq, created_at, pending
        FROM pincery_append_events_in_workspaces($1, $2, $3, $4, $5, $6)
      """;

  // pincery_append_message_once (V7): the message and its idempotency key in one transaction.
  private static final String APPEND_MESSAGE_ONCE =
      """
      SELECT outcome, event_id, seq, created_at, pending
        FROM pincery_append_message_once($1, $2, $3, $4, $5, $6, $7)
      """;

  private static final String PRUNE_MESSAGE_KEYS =
      """
      DELETE FROM message_idempotency_keys WHERE created_at < now() - $1 * interval '1 second'
      """;

  static final String EVENT_COLUMNS =
      """
      agent_id, seq, id, event_type, source, wake_id, content, tool_name, tool_input,
      tool_output, termination_reason, payload, created_at
      """;

  // Newest page: read backwards from the head, returned oldest first.
  private static final String PAGE_NEWEST =
      "SELECT * FROM (SELECT "
          + EVENT_COLUMNS
          + " FROM events WHERE agent_id = $1 ORDER BY seq DESC LIMIT $2) newest ORDER BY seq";

  // The seed's `since` cursor: events created after a time, oldest first.
  private static final String PAGE_SINCE =
      "SELECT "
          + EVENT_COLUMNS
          + " FROM events WHERE agent_id = $1 AND created_at > $2 ORDER BY seq LIMIT $3";

  private static final String PAGE_AFTER =
      "SELECT "
          + EVENT_COLUMNS
          + " FROM events WHERE agent_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

  // The waking events a wake has not yet shown its model, oldest first: (after, upto].
  private static final String INBOX =
      "SELECT "
          + EVENT_COLUMNS
          + " FROM events WHERE agent_id = $1 AND seq > $2 AND seq <= $3"
          + " AND pincery_is_waking(event_type) ORDER BY seq LIMIT $4";

  // The committed steps of wakes that lost their lease after consumed_seq (their input is pending
  // again): what they said and which tools they ran with what result, the newest $3, oldest first.
  private static final String INTERRUPTED_STEPS =
      "SELECT * FROM (SELECT "
          + EVENT_COLUMNS
          + " FROM events e WHERE e.agent_id = $1 AND e.seq > $2"
          + " AND e.event_type IN ('assistant_message', 'tool_call', 'tool_result')"
          + " AND e.wake_id IN (SELECT w.wake_id FROM events w"
          + " WHERE w.agent_id = $1 AND w.seq > $2 AND w.event_type = 'wake_abandoned'"
          + " AND w.payload->>'phase' = 'awake')"
          + " ORDER BY e.seq DESC LIMIT $3) newest ORDER BY seq";

  // One wake's transcript for maintenance: the waking events it was woken for (after the
  // consumed_seq its wake_start recorded), then everything from its wake_start to its wake_end (or
  // the head), the newest $4 of them. The bounds are found by backward scans of the primary key
  // that stop at the wake's own events, so an agent's long history is never read.
  static final String WAKE_TRANSCRIPT =
      "WITH start AS (SELECT seq, (payload->>'consumed_seq')::bigint AS consumed FROM events"
          + "   WHERE agent_id = $1 AND seq <= $3 AND wake_id = $2 AND event_type = 'wake_start'"
          + "   ORDER BY seq DESC LIMIT 1),"
          + " bounds AS (SELECT start.seq AS first_seq, coalesce(start.consumed, start.seq - 1)"
          + "   AS consumed, (SELECT seq FROM events WHERE agent_id = $1 AND seq <= $3"
          + "   AND wake_id = $2 AND event_type = 'wake_end' ORDER BY seq DESC LIMIT 1) AS last_seq"
          + "   FROM start)"
          + " SELECT * FROM (SELECT "
          + EVENT_COLUMNS
          + " FROM events, bounds WHERE agent_id = $1 AND seq > bounds.consumed"
          + " AND seq <= coalesce(bounds.last_seq, $3)"
          + " AND (seq >= bounds.first_seq OR pincery_is_waking(event_type))"
          + " ORDER BY seq DESC LIMIT $4) t ORDER BY seq";

  // Recomputes every hash with the same SQL function that wrote it, so the Java side holds no
  // second definition of the encoding. Only the first problem (and the count) leaves the server.
  private static final String VERIFY_CHAIN =
      """
      WITH chain AS (
          SELECT e.seq, e.hash, e.prev_hash,
                 pincery_event_hash(e.prev_hash, e.agent_id, e.seq, e.event_type, e.source,
                     e.wake_id, e.content, e.tool_name, e.tool_input, e.tool_output,
                     e.termination_reason, e.payload, e.created_at, e.id) AS recomputed,
                 coalesce(lag(e.hash) OVER w, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS expected_prev,
                 coalesce(lag(e.seq) OVER w, 0) AS previous_seq
            FROM events e
           WHERE e.agent_id = $1
          WINDOW w AS (ORDER BY e.seq)
      ), """
          + ChainVerification.FIRST_BAD
          + """
      SELECT (SELECT count(*) FROM chain) AS checked,
             (SELECT max(seq) FROM chain) AS last_seq,
             (SELECT c.hash FROM chain c ORDER BY c.seq DESC LIMIT 1) AS last_hash,
             a.event_seq, a.hash_head,
             (SELECT seq FROM first_bad) AS bad_seq,
             (SELECT problem FROM first_bad) AS problem
        FROM agents a
       WHERE a.id = $1
      """;

  private final Pool pool;
  private final Notifier notifier;

  public EventRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /** Appends outside any wake (a person's message, a webhook, an operator act). */
  public Future<AppendResult> append(UUID agentId, NewEvent event) {
    return doAppend(agentId, null, event)
        .map(r -> r instanceof AppendResult.LeaseLost ? new AppendResult.AgentNotFound() : r);
  }

  /** Appends only while {@code wakeId} still owns the agent; otherwise writes nothing. */
  public Future<AppendResult> appendFenced(UUID agentId, UUID wakeId, NewEvent event) {
    return doAppend(agentId, wakeId, event);
  }

  /**
   * Appends to a live agent of {@code workspaceId} only; anything else (another workspace's agent,
   * a deleted one, none) is {@code AgentNotFound} and writes nothing.
   */
  public Future<AppendResult> appendInWorkspace(UUID workspaceId, UUID agentId, NewEvent event) {
    return execAppend(
            APPEND_EVENT_IN_WORKSPACE,
            appendParams(agentId, null, event).addUUID(workspaceId),
            agentId)
        .map(r -> r instanceof AppendResult.LeaseLost ? new AppendResult.AgentNotFound() : r);
  }

  /**
   * Appends many unfenced events in one transaction (see {@link AppendBatcher}); the result list
   * matches the input order, with {@code AgentNotFound} for items whose agent is not a live agent
   * of the item's workspace.
   */
  public Future<List<AppendResult>> appendBatchInWorkspaces(
      List<UUID> workspaceIds, List<UUID> agentIds, List<NewEvent> batch) {
    int n = batch.size();
    String[] types = new String[n];
    String[] sources = new String[n];
    String[] contents = new String[n];
    String[] payloads = new String[n];
    for (int i = 0; i < n; i++) {
      NewEvent e = batch.get(i).storable();
      if (e.toolName() != null
          || e.toolInput() != null
          || e.toolOutput() != null
          || e.terminationReason() != null) {
        throw new IllegalArgumentException(
            "batched appends carry type, source, content and payload only");
      }
      types[i] = e.type().wire();
      sources[i] = e.source();
      contents[i] = e.content();
      payloads[i] = e.payload().encode();
    }
    Tuple params =
        Tuple.tuple()
            .addArrayOfUUID(workspaceIds.toArray(UUID[]::new))
            .addArrayOfUUID(agentIds.toArray(UUID[]::new))
            .addArrayOfString(types)
            .addArrayOfString(sources)
            .addArrayOfString(contents)
            .addArrayOfString(payloads);
    return pool.preparedQuery(APPEND_EVENTS_IN_WORKSPACES)
        .execute(params)
        .map(
            rows -> {
              AppendResult[] results = new AppendResult[n];
              for (Row row : rows) {
                int i = row.getInteger("idx") - 1;
                long seq = row.getLong("seq");
                UUID agentId = agentIds.get(i);
                notifier.appended(agentId, seq);
                if (row.getBoolean("pending")) {
                  notifier.wake(agentId);
                }
                results[i] =
                    new AppendResult.Appended(
                        row.getUUID("event_id"), seq, row.getOffsetDateTime("created_at"));
              }
              List<AppendResult> out = new ArrayList<>(n);
              for (AppendResult r : results) {
                out.add(r == null ? new AppendResult.AgentNotFound() : r);
              }
              return out;
            });
  }

  /** What an append under an idempotency key did. */
  public sealed interface OnceResult {
    /** Written now. */
    record Appended(UUID eventId, long seq) implements OnceResult {}

    /** The key was used before for the same request: that request's event. */
    record Replayed(UUID eventId, long seq) implements OnceResult {}

    /** The key was used before for a different request; nothing was written. */
    record KeyReused() implements OnceResult {}

    /** No live agent of the workspace has that id; nothing was written. */
    record AgentNotFound() implements OnceResult {}
  }

  /**
   * Appends {@code event} (a {@code message_received}) to a live agent of the workspace once per
   * {@code key}: a retry with the same key and {@code fingerprint} gets the first event back.
   */
  public Future<OnceResult> appendMessageOnce(
      UUID workspaceId, UUID agentId, String key, byte[] fingerprint, NewEvent event) {
    Tuple params =
        Tuple.tuple()
            .addUUID(workspaceId)
            .addUUID(agentId)
            .addString(key)
            .addBuffer(io.vertx.core.buffer.Buffer.buffer(fingerprint))
            .addString(event.source())
            .addString(event.content())
            .addValue(event.payload());
    return pool.preparedQuery(APPEND_MESSAGE_ONCE)
        .execute(params)
        .map(
            rows -> {
              if (rows.size() == 0) {
                return (OnceResult) new OnceResult.AgentNotFound();
              }
              Row row = rows.iterator().next();
              return switch (row.getString("outcome")) {
                case "appended" -> {
                  long seq = row.getLong("seq");
                  notifier.appended(agentId, seq);
                  if (row.getBoolean("pending")) {
                    notifier.wake(agentId);
                  }
                  yield new OnceResult.Appended(row.getUUID("event_id"), seq);
                }
                case "replayed" ->
                    new OnceResult.Replayed(row.getUUID("event_id"), row.getLong("seq"));
                default -> new OnceResult.KeyReused();
              };
            });
  }

  /** Forgets message idempotency keys older than the retention; returns how many. */
  public Future<Integer> pruneMessageKeys(java.time.Duration retention) {
    return pool.preparedQuery(PRUNE_MESSAGE_KEYS)
        .execute(Tuple.of(retention.toSeconds()))
        .map(rows -> rows.rowCount());
  }

  private Future<AppendResult> doAppend(UUID agentId, UUID fenceWakeId, NewEvent e) {
    return execAppend(APPEND_EVENT, appendParams(agentId, fenceWakeId, e), agentId);
  }

  // Every single append goes through here: text PostgreSQL cannot store is escaped, not refused.
  private static Tuple appendParams(UUID agentId, UUID fenceWakeId, NewEvent event) {
    NewEvent e = event.storable();
    return Tuple.tuple()
        .addUUID(agentId)
        .addString(e.type().wire())
        .addString(e.source())
        .addUUID(fenceWakeId)
        .addString(e.content())
        .addString(e.toolName())
        .addValue(e.toolInput())
        .addString(e.toolOutput())
        .addString(e.terminationReason())
        .addValue(e.payload())
        .addUUID(fenceWakeId);
  }

  private Future<AppendResult> execAppend(String sql, Tuple params, UUID agentId) {
    return pool.preparedQuery(sql)
        .execute(params)
        .map(
            rows -> {
              if (rows.size() == 0) {
                return (AppendResult) new AppendResult.LeaseLost();
              }
              Row row = rows.iterator().next();
              long seq = row.getLong("seq");
              // After the commit, never inside it (see Notifier).
              notifier.appended(agentId, seq);
              if (row.getBoolean("pending")) {
                notifier.wake(agentId);
              }
              return new AppendResult.Appended(
                  row.getUUID("event_id"), seq, row.getOffsetDateTime("created_at"));
            });
  }

  /** The newest {@code limit} events, oldest first. */
  public Future<List<StoredEvent>> pageNewest(UUID agentId, int limit) {
    return page(PAGE_NEWEST, Tuple.of(agentId, limit));
  }

  /** Up to {@code limit} events created after {@code since}, oldest first. */
  public Future<List<StoredEvent>> pageSince(
      UUID agentId, java.time.OffsetDateTime since, int limit) {
    return page(PAGE_SINCE, Tuple.of(agentId, since, limit));
  }

  private Future<List<StoredEvent>> page(String sql, Tuple params) {
    return pool.preparedQuery(sql)
        .execute(params)
        .map(
            rows -> {
              List<StoredEvent> events = new ArrayList<>(rows.size());
              rows.forEach(row -> events.add(toEvent(row)));
              return events;
            });
  }

  /** Up to {@code limit} events with seq greater than {@code afterSeq}, oldest first. */
  public Future<List<StoredEvent>> pageAfter(UUID agentId, long afterSeq, int limit) {
    return page(PAGE_AFTER, Tuple.of(agentId, afterSeq, limit));
  }

  /** Re-computes the agent's hash chain and reports the first event where it breaks. */
  /** Waking events with {@code afterSeq < seq <= uptoSeq}, oldest first, at most {@code limit}. */
  public Future<List<StoredEvent>> inbox(UUID agentId, long afterSeq, long uptoSeq, int limit) {
    return page(INBOX, Tuple.of(agentId, afterSeq, uptoSeq, limit));
  }

  /**
   * The steps that wakes of the agent committed before they lost their lease, after {@code
   * afterSeq} (the agent's {@code consumed_seq}): their {@code assistant_message}, {@code
   * tool_call} and {@code tool_result} events, at most the newest {@code limit}, oldest first. A
   * new wake is shown them so that it continues that work instead of repeating its acts.
   */
  public Future<List<StoredEvent>> interruptedSteps(UUID agentId, long afterSeq, int limit) {
    return page(INTERRUPTED_STEPS, Tuple.of(agentId, afterSeq, limit));
  }

  public Future<ChainVerification> verifyChain(UUID agentId) {
    return pool.preparedQuery(VERIFY_CHAIN)
        .execute(Tuple.of(agentId))
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw new IllegalArgumentException("no agent " + agentId);
              }
              Row row = rows.iterator().next();
              long checked = row.getLong("checked");
              Long badSeq = row.getLong("bad_seq");
              if (badSeq != null) {
                return new ChainVerification.Broken(badSeq, row.getString("problem"), checked);
              }
              long eventSeq = row.getLong("event_seq");
              Long lastSeq = row.getLong("last_seq");
              boolean headMatches =
                  (lastSeq == null ? eventSeq == 0 : lastSeq == eventSeq)
                      && (lastSeq == null
                          || row.getBuffer("last_hash").equals(row.getBuffer("hash_head")));
              if (!headMatches) {
                long at = lastSeq == null ? 1 : Math.min(lastSeq, eventSeq) + 1;
                return new ChainVerification.Broken(at, "head_mismatch", checked);
              }
              return new ChainVerification.Valid(checked);
            });
  }

  static StoredEvent toEvent(Row row) {
    return new StoredEvent(
        row.getUUID("agent_id"),
        row.getLong("seq"),
        row.getUUID("id"),
        row.getString("event_type"),
        row.getString("source"),
        row.getUUID("wake_id"),
        row.getString("content"),
        row.getString("tool_name"),
        asObject(row.getValue("tool_input")),
        row.getString("tool_output"),
        row.getString("termination_reason"),
        asObject(row.getValue("payload")),
        row.getOffsetDateTime("created_at"));
  }

  private static JsonObject asObject(Object json) {
    return json instanceof JsonObject o
        ? o
        : json == null ? null : new JsonObject().put("value", json);
  }
}
