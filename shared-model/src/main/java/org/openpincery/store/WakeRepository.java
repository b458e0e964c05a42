package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.NewEvent;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.StorableText;
import org.openpincery.model.StoredEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.notify.Notifier;

/**
 * What a running wake reads and writes: its context at the start, and each step as one fenced
 * transaction (model call, events, messages to other agents, heartbeat, and at the end the move to
 * maintenance).
 */
public final class WakeRepository {

  // The agent, its newest projection and the summaries of its last $2 maintenance passes.
  private static final String CONTEXT =
      """
      SELECT a.name, a.workspace_id, a.budget_limit_usd, a.budget_spent_usd, a.permission_mode,
             p.identity, p.work_list,
             (SELECT coalesce(array_agg(s.summary ORDER BY s.version), '{}')
                FROM (SELECT version, summary FROM projections
                       WHERE agent_id = a.id AND summary IS NOT NULL
                       ORDER BY version DESC LIMIT $2) s) AS summaries,
             EXISTS (SELECT 1 FROM events e
                      WHERE e.agent_id = a.id AND e.seq > a.consumed_seq
                        AND e.event_type = 'wake_abandoned'
                        AND e.payload->>'phase' = 'awake') AS interrupted,
             (SELECT coalesce(array_agg(w.tool_name || ' (approval ' || w.id || ', requested '
                                        || to_char(w.requested_at AT TIME ZONE 'UTC',
                                                   'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                                        || ')' ORDER BY w.requested_at), '{}')
                FROM (SELECT id, tool_name, requested_at FROM approvals
                       WHERE agent_id = a.id AND status = 'pending'
                       ORDER BY requested_at DESC LIMIT 10) w) AS awaiting,
             EXISTS (SELECT 1 FROM mcp_grants g WHERE g.agent_id = a.id) AS mcp_granted
        FROM agents a
        LEFT JOIN LATERAL (SELECT identity, work_list FROM projections
                            WHERE agent_id = a.id ORDER BY version DESC LIMIT 1) p ON true
       WHERE a.id = $1
      """;

  // A starting wake's context and the first page of its inbox — the waking events after $3 up to
  // the head $4, at most $5 — in one round trip: one row per event, the context repeated on each
  // (one row with null event columns when the page is empty).
  private static final String START =
      "WITH c AS ("
          + CONTEXT
          + ") SELECT c.*, i.* FROM c LEFT JOIN LATERAL (SELECT "
          + EventRepository.EVENT_COLUMNS
          + " FROM events WHERE agent_id = $1 AND seq > $3 AND seq <= $4"
          + " AND pincery_is_waking(event_type) ORDER BY seq LIMIT $5) i ON true ORDER BY i.seq";

  // A maintenance pass's input in one round trip: the agent and its newest projection (no
  // summaries), and the transcript of the wake that ended (EventRepository.WAKE_TRANSCRIPT, whose
  // $1..$4 are agent, wake, head seq, limit), one row per event.
  private static final String PASS_INPUT =
      "WITH c AS ("
          + CONTEXT.replace("LIMIT $2", "LIMIT 0")
          + ") SELECT c.*, t.* FROM c LEFT JOIN LATERAL ("
          + EventRepository.WAKE_TRANSCRIPT
          + ") t ON true ORDER BY t.seq";

  // A live agent of the workspace by id (when $2 parses as one) or by name.
  private static final String FIND_IN_WORKSPACE =
      """
      SELECT id, name FROM agents
       WHERE workspace_id = $1 AND deleted_at IS NULL AND (id = $2 OR name = $3)
       ORDER BY (id = $2) DESC
       LIMIT 1
      """;

  // Names only: values never leave the vault for a wake.
  private static final String CREDENTIAL_NAMES =
      """
      SELECT name FROM credentials
       WHERE workspace_id = $1 AND revoked_at IS NULL
       ORDER BY name
      """;

  // pincery_wake_step (V18): the whole step in one transaction, fenced by the wake.
  private static final String STEP =
      """
      SELECT inbox_seq, is_enabled, budget_limit_usd, budget_spent_usd, last_seq, consumed_seq,
             deliveries, pending
        FROM pincery_wake_step($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      """;

  // A decided approval of the agent, to settle (V18) — with the tool_result that settled it, when
  // one did, recorded after the decision at seq $3.
  private static final String APPROVAL_TO_SETTLE =
      """
      SELECT p.id, p.call_id, p.tool_name, p.arguments, p.status, p.note, p.expires_at,
             p.execution, p.executing_wake_id, p.settled_at IS NOT NULL AS settled,
             (SELECT e.tool_output FROM events e
               WHERE e.agent_id = p.agent_id AND e.seq > $3 AND e.event_type = 'tool_result'
                 AND e.payload->>'approval_id' = p.id::text
               ORDER BY e.seq LIMIT 1) AS output
        FROM approvals p
       WHERE p.id = $2 AND p.agent_id = $1
      """;

  // Marks an approved call as started by wake $2, once, while that wake owns the agent: committed
  // before the call runs, so no later wake runs it again (V18).
  private static final String START_APPROVED =
      """
      UPDATE approvals p SET execution = 'running', executing_wake_id = $2
       WHERE p.id = $3 AND p.agent_id = $1 AND p.status = 'approved' AND p.execution IS NULL
         AND EXISTS (SELECT 1 FROM agents a
                      WHERE a.id = $1 AND a.wake_id = $2 AND a.status = 'awake')
      RETURNING p.id
      """;

  private static final String DISABLED_REASON =
      "SELECT disabled_reason FROM agents WHERE id = $1 AND NOT is_enabled";

  private final Pool pool;
  private final Notifier notifier;

  WakeRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /**
   * What the prompt of a wake is built from, read once when the wake starts.
   *
   * @param interrupted a wake of this agent lost its lease after it was shown input that is still
   *     pending (a {@code wake_abandoned} of phase {@code awake} after {@code consumed_seq}): its
   *     committed steps are to be shown to this wake ({@link EventRepository#interruptedSteps})
   * @param permissionMode what the agent may do without a person (V18)
   * @param awaitingApproval its calls waiting for a decision: the 10 newest at most, shown oldest
   *     first, each as {@code <tool> (approval <id>, requested <UTC time>)}
   * @param mcpGranted the agent has grants of remote MCP tools (V20): only then does its wake look
   *     them up and list its servers
   */
  public record WakeContext(
      String name,
      UUID workspaceId,
      BigDecimal budgetLimitUsd,
      BigDecimal budgetSpentUsd,
      String identity,
      String workList,
      List<String> recentSummaries,
      boolean interrupted,
      PermissionMode permissionMode,
      List<String> awaitingApproval,
      boolean mcpGranted) {}

  /**
   * A decided approval (V18) as a wake settles it.
   *
   * @param status approved, denied or expired
   * @param execution null until settled; {@code running} while a wake runs the approved call
   * @param executingWake the wake that started the approved call, or null
   * @param output the result recorded when it was settled (null before, or when none was)
   */
  public record ApprovalToSettle(
      UUID id,
      String callId,
      String toolName,
      JsonObject arguments,
      String status,
      String note,
      OffsetDateTime expiresAt,
      String execution,
      UUID executingWake,
      boolean settled,
      String output) {}

  /** A starting wake's context and the first page of its inbox (oldest first). */
  public record WakeStart(WakeContext context, List<StoredEvent> inbox) {}

  /**
   * A maintenance pass's input: the agent's context (no summaries) and the ended wake's transcript
   * (oldest first).
   */
  public record PassInput(WakeContext context, List<StoredEvent> transcript) {}

  /** An agent of the workspace, found by id or name. */
  public record AgentRef(UUID id, String name) {}

  /** An event of a step: to the waking agent itself, or (with a recipient) to another agent. */
  public record StepEvent(UUID recipient, NewEvent event) {
    public static StepEvent own(NewEvent event) {
      return new StepEvent(null, event);
    }
  }

  /**
   * A change to the agent's timers that a tool asked for, committed with its step
   * (pincery_wake_step V8), never before it.
   */
  public sealed interface TimerChange {
    /** A new pending timer; {@code note} is the model's text (escaped here if PostgreSQL must). */
    record Set(UUID id, OffsetDateTime dueAt, String note) implements TimerChange {}

    /** The agent's pending timer {@code id} cancelled (nothing if it fired or is gone). */
    record Cancel(UUID id) implements TimerChange {}
  }

  /** A change to the agent's approvals that a step makes (V18), in its transaction. */
  public sealed interface ApprovalChange {
    /**
     * A gated call's request: {@code arguments} exactly as validated (the call runs with them if
     * approved), expiring at {@code expiresAt} (after the step's commit time, or it is refused).
     */
    record Request(
        UUID id,
        String callId,
        String toolName,
        String capability,
        JsonObject arguments,
        OffsetDateTime expiresAt)
        implements ApprovalChange {

      /** A request expiring {@code ttl} from now. */
      public Request(
          UUID id,
          String callId,
          String toolName,
          String capability,
          JsonObject arguments,
          Duration ttl) {
        this(id, callId, toolName, capability, arguments, OffsetDateTime.now().plus(ttl));
      }
    }

    /**
     * A decided request settled once: {@code execution} is {@code executed}, {@code interrupted} or
     * {@code answered}; {@code ok} whether the call's result was a success.
     */
    record Settle(UUID id, String execution, boolean ok) implements ApprovalChange {}
  }

  /**
   * One step to commit.
   *
   * @param modelCall the step's model call, or null
   * @param end the termination reason when this step ends the wake, else null
   * @param seenSeq with {@code end}: the inbox seq up to which the model was shown input
   * @param timers timers set or cancelled by the step's tools, in order
   * @param maintain with {@code end}: whether the wake goes to maintenance (it made a model call)
   *     or, with nothing for maintenance to learn, straight back to asleep (V13)
   * @param approvals approval requests and settlements, committed with the step (V18)
   * @param endDetail with {@code end}: facts merged into the {@code wake_end} payload, or null
   */
  public record Step(
      UUID agentId,
      UUID wakeId,
      Duration lease,
      ModelCallRepository.ModelCall modelCall,
      List<StepEvent> events,
      TerminationReason end,
      long seenSeq,
      Duration maintenanceLease,
      List<TimerChange> timers,
      boolean maintain,
      List<ApprovalChange> approvals,
      JsonObject endDetail) {

    public Step {
      timers = List.copyOf(timers);
      approvals = List.copyOf(approvals);
    }

    /** A step that changes no timer and whose end, if any, goes to maintenance. */
    public Step(
        UUID agentId,
        UUID wakeId,
        Duration lease,
        ModelCallRepository.ModelCall modelCall,
        List<StepEvent> events,
        TerminationReason end,
        long seenSeq,
        Duration maintenanceLease) {
      this(
          agentId,
          wakeId,
          lease,
          modelCall,
          events,
          end,
          seenSeq,
          maintenanceLease,
          List.of(),
          true,
          List.of(),
          null);
    }
  }

  /** The outcome of committing a step. */
  public sealed interface StepResult {
    /**
     * @param budgetLimitUsd null = unlimited
     * @param consumedSeq set when the step ended the wake
     */
    record Committed(
        long inboxSeq,
        boolean enabled,
        BigDecimal budgetLimitUsd,
        BigDecimal budgetSpentUsd,
        long lastSeq,
        Long consumedSeq)
        implements StepResult {}

    /** The wake no longer owns the agent; nothing was written. */
    record LeaseLost() implements StepResult {}
  }

  /**
   * What a wake reads when it starts, in one round trip: its context and the first page of its
   * inbox (the waking events after {@code afterSeq} up to {@code inboxHead}, oldest first, at most
   * {@code inboxLimit}). Empty when the agent does not exist.
   */
  public Future<Optional<WakeStart>> start(
      UUID agentId, int summaryLimit, long afterSeq, long inboxHead, int inboxLimit) {
    return pool.preparedQuery(START)
        .execute(Tuple.of(agentId, summaryLimit, afterSeq, inboxHead, inboxLimit))
        .map(rows -> withEvents(rows).map(r -> new WakeStart(r.context(), r.events())));
  }

  /**
   * What a maintenance pass reads, in one round trip: the agent's context (without summaries) and
   * the transcript of the wake {@code wakeId} (see {@code EventRepository.WAKE_TRANSCRIPT}: its
   * input, then its events up to its {@code wake_end}, the newest {@code limit}, oldest first;
   * {@code headSeq} bounds the search). Empty when the agent does not exist.
   */
  public Future<Optional<PassInput>> passInput(UUID agentId, UUID wakeId, long headSeq, int limit) {
    return pool.preparedQuery(PASS_INPUT)
        .execute(Tuple.of(agentId, wakeId, headSeq, limit))
        .map(rows -> withEvents(rows).map(r -> new PassInput(r.context(), r.events())));
  }

  private record ContextRows(WakeContext context, List<StoredEvent> events) {}

  // The rows of START or PASS_INPUT: the context from the first, the events of all that have one.
  private static Optional<ContextRows> withEvents(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    WakeContext context = null;
    List<StoredEvent> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      if (context == null) {
        context = context(row);
      }
      if (row.getValue("seq") != null) {
        events.add(EventRepository.toEvent(row));
      }
    }
    return Optional.of(new ContextRows(context, events));
  }

  private static WakeContext context(Row row) {
    return new WakeContext(
        row.getString("name"),
        row.getUUID("workspace_id"),
        row.getBigDecimal("budget_limit_usd"),
        row.getBigDecimal("budget_spent_usd"),
        row.getString("identity"),
        row.getString("work_list"),
        List.of(row.getArrayOfStrings("summaries")),
        row.getBoolean("interrupted"),
        PermissionMode.fromWire(row.getString("permission_mode")).orElse(PermissionMode.LOCKED),
        List.of(row.getArrayOfStrings("awaiting")),
        row.getBoolean("mcp_granted"));
  }

  /**
   * The decided approval {@code approvalId} of the agent, with the result that settled it if one
   * was recorded after the decision at {@code decidedSeq}. Empty when there is none.
   */
  public Future<Optional<ApprovalToSettle>> approvalToSettle(
      UUID agentId, UUID approvalId, long decidedSeq) {
    return pool.preparedQuery(APPROVAL_TO_SETTLE)
        .execute(Tuple.of(agentId, approvalId, decidedSeq))
        .map(
            rows ->
                Rows.first(
                    rows,
                    row ->
                        new ApprovalToSettle(
                            row.getUUID("id"),
                            row.getString("call_id"),
                            row.getString("tool_name"),
                            (JsonObject) row.getValue("arguments"),
                            row.getString("status"),
                            row.getString("note"),
                            row.getOffsetDateTime("expires_at"),
                            row.getString("execution"),
                            row.getUUID("executing_wake_id"),
                            row.getBoolean("settled"),
                            row.getString("output"))));
  }

  /**
   * Marks the approved call {@code approvalId} as started by {@code wakeId}, in its own
   * transaction, before it runs. False when it was already started (by any wake), is not approved,
   * or the wake no longer owns the agent: then it must not run.
   */
  public Future<Boolean> startApproved(UUID agentId, UUID wakeId, UUID approvalId) {
    return pool.preparedQuery(START_APPROVED)
        .execute(Tuple.of(agentId, wakeId, approvalId))
        .map(rows -> rows.size() == 1);
  }

  /** Why the agent is disabled ({@code stopped} after a semantic stop), or empty when enabled. */
  public Future<Optional<String>> disabledReason(UUID agentId) {
    return pool.preparedQuery(DISABLED_REASON)
        .execute(Tuple.of(agentId))
        .map(rows -> Rows.first(rows, row -> row.getString("disabled_reason")));
  }

  /** A live agent of {@code workspaceId} whose id or name is {@code idOrName}. */
  public Future<Optional<AgentRef>> findInWorkspace(UUID workspaceId, String idOrName) {
    UUID id;
    try {
      id = UUID.fromString(idOrName);
    } catch (IllegalArgumentException e) {
      id = null;
    }
    return pool.preparedQuery(FIND_IN_WORKSPACE)
        .execute(Tuple.of(workspaceId, id, idOrName))
        .map(
            rows ->
                Rows.first(rows, row -> new AgentRef(row.getUUID("id"), row.getString("name"))));
  }

  /** The names of the workspace's live credentials (never their values). */
  public Future<List<String>> credentialNames(UUID workspaceId) {
    return pool.preparedQuery(CREDENTIAL_NAMES)
        .execute(Tuple.of(workspaceId))
        .map(
            rows -> {
              List<String> names = new ArrayList<>(rows.size());
              rows.forEach(row -> names.add(row.getString("name")));
              return names;
            });
  }

  /** Commits one step of a wake, or nothing when the wake no longer owns the agent. */
  public Future<StepResult> step(Step step) {
    JsonArray events = new JsonArray();
    for (StepEvent e : step.events()) {
      NewEvent ev = e.event().storable();
      JsonObject item =
          new JsonObject()
              .put("type", ev.type().wire())
              .put("source", ev.source())
              .put("content", ev.content())
              .put("tool_name", ev.toolName())
              .put("tool_input", ev.toolInput())
              .put("tool_output", ev.toolOutput())
              .put("payload", ev.payload());
      if (e.recipient() != null) {
        item.put("to_agent_id", e.recipient().toString());
      }
      events.add(item);
    }
    for (TimerChange change : step.timers()) {
      events.add(
          switch (change) {
            case TimerChange.Set set ->
                new JsonObject()
                    .put(
                        "timer_set",
                        new JsonObject()
                            .put("id", set.id().toString())
                            .put("due_at", set.dueAt().toString())
                            .put("note", storableNote(set.note())));
            case TimerChange.Cancel cancel ->
                new JsonObject().put("timer_cancel", cancel.id().toString());
          });
    }
    for (ApprovalChange change : step.approvals()) {
      events.add(
          switch (change) {
            case ApprovalChange.Request r ->
                new JsonObject()
                    .put(
                        "approval_request",
                        new JsonObject()
                            .put("id", r.id().toString())
                            .put("call_id", r.callId())
                            .put("tool_name", r.toolName())
                            .put("capability", r.capability())
                            .put("arguments", r.arguments())
                            .put("expires_at", r.expiresAt().toString()));
            case ApprovalChange.Settle settle ->
                new JsonObject()
                    .put(
                        "approval_settle",
                        new JsonObject()
                            .put("id", settle.id().toString())
                            .put("execution", settle.execution())
                            .put("ok", settle.ok()));
          });
    }
    Tuple params =
        Tuple.tuple()
            .addUUID(step.agentId())
            .addUUID(step.wakeId())
            .addLong(step.lease().toMillis())
            .addValue(step.modelCall() == null ? null : step.modelCall().storable().toJson())
            .addValue(events)
            .addString(step.end() == null ? null : step.end().wire())
            .addLong(step.seenSeq())
            .addLong(step.maintenanceLease().toMillis())
            .addBoolean(step.maintain())
            .addValue(step.endDetail());
    return pool.preparedQuery(STEP).execute(params).map(rows -> committed(step, rows));
  }

  // The note is the model's text: one PostgreSQL cannot store is kept escaped, not refused.
  private static String storableNote(String note) {
    if (note == null) {
      return "";
    }
    return StorableText.isStorable(note) ? note : StorableText.escape(note);
  }

  private StepResult committed(Step step, RowSet<Row> rows) {
    if (rows.size() == 0) {
      return new StepResult.LeaseLost();
    }
    Row row = rows.iterator().next();
    long lastSeq = row.getLong("last_seq");
    notifier.appended(step.agentId(), lastSeq);
    Object deliveries = row.getValue("deliveries");
    if (deliveries instanceof JsonArray list) {
      for (Object o : list) {
        JsonObject d = (JsonObject) o;
        UUID target = UUID.fromString(d.getString("agent_id"));
        notifier.appended(target, d.getLong("seq"));
        if (Boolean.TRUE.equals(d.getBoolean("pending"))) {
          notifier.wake(target);
        }
      }
    }
    if (step.end() != null && step.maintain()) {
      notifier.maintenance(step.agentId());
    } else if (step.end() != null && Boolean.TRUE.equals(row.getBoolean("pending"))) {
      notifier.wake(step.agentId());
    }
    return new StepResult.Committed(
        row.getLong("inbox_seq"),
        row.getBoolean("is_enabled"),
        row.getBigDecimal("budget_limit_usd"),
        row.getBigDecimal("budget_spent_usd"),
        lastSeq,
        row.getLong("consumed_seq"));
  }
}
