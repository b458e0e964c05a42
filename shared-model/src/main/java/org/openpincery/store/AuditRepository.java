package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The audit trail (issue 14): one append-only, gapless, SHA-256 hash-chained log per workspace of
 * who did what, plus the installation chain ({@link #INSTALLATION}) for entries that belong to no
 * workspace. Schema and hash definition: migration V15.
 */
public final class AuditRepository {

  /** The chain key of installation-level entries (no workspace row has this id). */
  public static final UUID INSTALLATION = new UUID(0L, 0L);

  /** The most entries one page returns. */
  public static final int MAX_PAGE = 1000;

  // pincery_append_audit (V15): the whole append in one round trip under the chain head's row
  // lock, so concurrent appends to one chain serialise and never fork.
  private static final String APPEND =
      """
      SELECT workspace_id, seq, id, at
        FROM pincery_append_audit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
      """;

  // pincery_append_audit_unless_recent (V15): the same append, skipped under the same lock when
  // the chain holds an entry of this action by this actor within the window.
  private static final String APPEND_UNLESS_RECENT =
      """
      SELECT workspace_id, seq, id, at
        FROM pincery_append_audit_unless_recent(make_interval(secs => $13), $1, $2, $3, $4, $5, $6,
                                                 $7, $8, $9, $10, $11, $12)
      """;

  private static final String COLUMNS =
      "workspace_id, seq, id, at, actor_type, actor_id, actor_user_id, action, target_type,"
          + " target_id, outcome, status, address, request_id, detail, prev_hash, hash";

  // One page in seq order after a seq, every filter optional (NULL = any). audit_log_pk serves
  // the seq range; audit_log_action_idx and audit_log_at_idx the action and time filters.
  private static final String PAGE =
      "SELECT "
          + COLUMNS
          + """
           FROM audit_log
          WHERE workspace_id = $1 AND seq > $2
            AND ($3::uuid IS NULL OR actor_id = $3 OR actor_user_id = $3)
            AND ($4::text IS NULL OR actor_type = $4)
            AND ($5::text IS NULL OR action = $5)
            AND ($6::text IS NULL OR starts_with(action, $6))
            AND ($7::text IS NULL OR target_type = $7)
            AND ($8::text IS NULL OR target_id = $8)
            AND ($9::timestamptz IS NULL OR at >= $9)
            AND ($10::timestamptz IS NULL OR at < $10)
          ORDER BY seq
          LIMIT $11
          """;

  // As the agents' VERIFY_CHAIN (EventRepository): recompute every hash with the one definition
  // the append used, check each link and the seq run, then the chain head.
  private static final String VERIFY =
      """
      WITH chain AS (
          SELECT l.seq, l.hash, l.prev_hash,
                 pincery_audit_hash(l.prev_hash, l.workspace_id, l.seq, l.id, l.at, l.actor_type,
                     l.actor_id, l.actor_user_id, l.action, l.target_type, l.target_id, l.outcome,
                     l.status, l.address, l.request_id, l.detail) AS recomputed,
                 coalesce(lag(l.hash) OVER w, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS expected_prev,
                 coalesce(lag(l.seq) OVER w, 0) AS previous_seq
            FROM audit_log l
           WHERE l.workspace_id = $1
          WINDOW w AS (ORDER BY l.seq)
      ), """
          + ChainVerification.FIRST_BAD
          + """
      SELECT (SELECT count(*) FROM chain) AS checked,
             (SELECT max(seq) FROM chain) AS last_seq,
             (SELECT c.hash FROM chain c ORDER BY c.seq DESC LIMIT 1) AS last_hash,
             (SELECT h.seq FROM audit_chains h WHERE h.workspace_id = $1) AS head_seq,
             (SELECT h.hash_head FROM audit_chains h WHERE h.workspace_id = $1) AS head_hash,
             (SELECT seq FROM first_bad) AS bad_seq,
             (SELECT problem FROM first_bad) AS problem
      """;

  private static final String INSTALLATION_WORKSPACE = "SELECT workspace_id FROM installation";

  private final Pool pool;

  AuditRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * An entry to append.
   *
   * @param workspaceId the chain; null for the installation chain
   * @param actorType {@code user}, {@code token}, {@code bootstrap}, {@code anonymous} or {@code
   *     oidc}
   * @param actorId the user (user), the API token (token), or null
   * @param actorUserId the person behind the actor (the user, a token's creator), or null
   * @param action a dotted name such as {@code agent.create} (the actions are listed in
   *     docs/api.md, "The audit trail")
   * @param targetType what was acted on ({@code agent}, {@code credential}...), or null
   * @param targetId its id or name, or null (needs a type)
   * @param ok true for an answered success (2xx/3xx), false for a refusal
   * @param status the HTTP status the client received
   * @param address the client's address as the gateway sees it
   * @param requestId the X-Request-Id the response carries
   * @param detail chosen fields only (never a request body, never a secret); null for none
   */
  public record Entry(
      UUID workspaceId,
      String actorType,
      UUID actorId,
      UUID actorUserId,
      String action,
      String targetType,
      String targetId,
      boolean ok,
      int status,
      String address,
      String requestId,
      JsonObject detail) {}

  /** Where an appended entry landed. */
  public record Appended(UUID chain, long seq, UUID id, OffsetDateTime at) {}

  /** An entry as stored, with its chain links (32-byte SHA-256 values). */
  public record Stored(
      UUID chain,
      long seq,
      UUID id,
      OffsetDateTime at,
      String actorType,
      UUID actorId,
      UUID actorUserId,
      String action,
      String targetType,
      String targetId,
      String outcome,
      int status,
      String address,
      String requestId,
      JsonObject detail,
      byte[] prevHash,
      byte[] hash) {}

  /**
   * What to read; every filter null means any.
   *
   * @param actor matches the actor id or the person behind it
   * @param actorType one of the actor types
   * @param action an exact action name
   * @param actionPrefix a prefix of the action name ({@code agent.} for every agent action)
   * @param targetType the target's type
   * @param targetId the target's id or name
   * @param since entries at or after this time
   * @param until entries before this time
   * @param afterSeq entries after this seq (0 for the start)
   * @param limit 1 to {@link #MAX_PAGE}
   */
  public record Filter(
      UUID actor,
      String actorType,
      String action,
      String actionPrefix,
      String targetType,
      String targetId,
      OffsetDateTime since,
      OffsetDateTime until,
      long afterSeq,
      int limit) {

    public Filter {
      if (limit < 1 || limit > MAX_PAGE) {
        throw new IllegalArgumentException("limit must be 1.." + MAX_PAGE + ", got " + limit);
      }
      if (afterSeq < 0) {
        throw new IllegalArgumentException("afterSeq must be >= 0, got " + afterSeq);
      }
    }

    /** Everything, from the start, a page of {@code limit}. */
    public static Filter all(int limit) {
      return new Filter(null, null, null, null, null, null, null, null, 0, limit);
    }

    /** The same filter from another seq on (the next page). */
    public Filter after(long seq) {
      return new Filter(
          actor, actorType, action, actionPrefix, targetType, targetId, since, until, seq, limit);
    }
  }

  /**
   * One page in seq order.
   *
   * @param nextAfterSeq the {@code afterSeq} of the next page when this one was full (more may
   *     follow), else null
   */
  public record Page(List<Stored> entries, Long nextAfterSeq) {}

  /** Appends one entry to its chain; fails only when the database does. */
  public Future<Appended> append(Entry e) {
    return pool.preparedQuery(APPEND)
        .execute(params(e))
        .map(rows -> appended(rows.iterator().next()));
  }

  /**
   * Appends one entry unless its chain holds an entry of the same action by the same actor ({@code
   * actorId}) younger than {@code window}: empty when skipped. Two racing callers write one entry.
   */
  public Future<Optional<Appended>> appendUnlessRecent(Entry e, Duration window) {
    return pool.preparedQuery(APPEND_UNLESS_RECENT)
        .execute(params(e).addDouble((double) window.toSeconds()))
        .map(rows -> Rows.first(rows, AuditRepository::appended));
  }

  private static Appended appended(Row row) {
    return new Appended(
        row.getUUID("workspace_id"),
        row.getLong("seq"),
        row.getUUID("id"),
        row.getOffsetDateTime("at"));
  }

  private static Tuple params(Entry e) {
    return Tuple.tuple()
        .addUUID(e.workspaceId())
        .addString(e.actorType())
        .addUUID(e.actorId())
        .addUUID(e.actorUserId())
        .addString(e.action())
        .addString(e.targetType())
        .addString(e.targetId())
        .addString(e.ok() ? "ok" : "refused")
        .addInteger(e.status())
        .addString(e.address())
        .addString(e.requestId())
        .addValue(e.detail() == null ? new JsonObject() : e.detail());
  }

  /**
   * One page of a chain.
   *
   * @param chain a workspace id, or {@link #INSTALLATION}
   */
  public Future<Page> list(UUID chain, Filter f) {
    Tuple params =
        Tuple.tuple()
            .addUUID(chain)
            .addLong(f.afterSeq())
            .addUUID(f.actor())
            .addString(f.actorType())
            .addString(f.action())
            .addString(f.actionPrefix())
            .addString(f.targetType())
            .addString(f.targetId())
            .addOffsetDateTime(f.since())
            .addOffsetDateTime(f.until())
            .addInteger(f.limit());
    return pool.preparedQuery(PAGE)
        .execute(params)
        .map(
            rows -> {
              List<Stored> out = new ArrayList<>(rows.size());
              rows.forEach(row -> out.add(toStored(row)));
              Long next = out.size() == f.limit() ? out.get(out.size() - 1).seq() : null;
              return new Page(out, next);
            });
  }

  /**
   * Recomputes a chain's hashes and links. An empty chain is valid with 0 entries.
   *
   * @param chain a workspace id, or {@link #INSTALLATION}
   */
  public Future<ChainVerification> verify(UUID chain) {
    return pool.preparedQuery(VERIFY)
        .execute(Tuple.of(chain))
        .map(
            rows -> {
              Row row = rows.iterator().next();
              long checked = row.getLong("checked");
              Long badSeq = row.getLong("bad_seq");
              if (badSeq != null) {
                return new ChainVerification.Broken(badSeq, row.getString("problem"), checked);
              }
              Long lastSeq = row.getLong("last_seq");
              long headSeq = row.getLong("head_seq") == null ? 0 : row.getLong("head_seq");
              boolean headMatches =
                  lastSeq == null
                      ? headSeq == 0
                      : lastSeq == headSeq
                          && row.getBuffer("last_hash").equals(row.getBuffer("head_hash"));
              if (!headMatches) {
                long at = lastSeq == null ? 1 : Math.min(lastSeq, headSeq) + 1;
                return new ChainVerification.Broken(at, "head_mismatch", checked);
              }
              return new ChainVerification.Valid(checked);
            });
  }

  /** The workspace the installation was bootstrapped with, once it is. */
  public Future<Optional<UUID>> installationWorkspace() {
    return pool.query(INSTALLATION_WORKSPACE)
        .execute()
        .map(rows -> Rows.first(rows, row -> row.getUUID("workspace_id")));
  }

  private static Stored toStored(Row row) {
    Object detail = row.getValue("detail");
    return new Stored(
        row.getUUID("workspace_id"),
        row.getLong("seq"),
        row.getUUID("id"),
        row.getOffsetDateTime("at"),
        row.getString("actor_type"),
        row.getUUID("actor_id"),
        row.getUUID("actor_user_id"),
        row.getString("action"),
        row.getString("target_type"),
        row.getString("target_id"),
        row.getString("outcome"),
        row.getInteger("status"),
        row.getString("address"),
        row.getString("request_id"),
        detail instanceof JsonObject j ? j : new JsonObject(),
        bytes(row.getBuffer("prev_hash")),
        bytes(row.getBuffer("hash")));
  }

  private static byte[] bytes(Buffer b) {
    return b == null ? null : b.getBytes();
  }
}
