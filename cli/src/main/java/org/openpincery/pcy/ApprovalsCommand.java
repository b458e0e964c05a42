package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy approvals [list|show|approve|deny]}: the gated tool calls of supervised agents waiting
 * for a person (docs/api.md, Approvals). Listing and showing need role viewer, deciding operator.
 * An approval is named by its id or by an unambiguous prefix of it (as the table shows it). A
 * decision the server refuses because the request was already decided (409 {@code
 * approval_decided}) or had expired (410 {@code approval_expired}) is one line naming the decision,
 * who made it and when; exit 1 (conflict), 4 for an unknown id.
 */
@Command(
    name = "approvals",
    description = {
      "Gated tool calls waiting for a person's decision (default: list the pending ones).",
      "  pcy approvals --status all --agent deployer",
      "  pcy approvals show 3f2a91c0",
      "  pcy approvals approve 3f2a91c0 --note 'ok, once'",
      "  pcy approvals deny 3f2a91c0 --note 'not on a Friday'"
    },
    subcommands = {
      ApprovalsCommand.ListApprovals.class,
      ApprovalsCommand.Show.class,
      ApprovalsCommand.Approve.class,
      ApprovalsCommand.Deny.class
    })
final class ApprovalsCommand extends Base {

  /** The server's statuses, and {@code all}. */
  enum Status {
    pending,
    approved,
    denied,
    expired,
    all
  }

  /** The list's filters, shared by {@code pcy approvals} and {@code pcy approvals list}. */
  static final class Filters {
    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "pending (default), approved, denied, expired or all.")
    Status status;

    @Option(names = "--agent", paramLabel = "AGENT", description = "One agent's (name or id).")
    String agent;

    @Option(names = "--limit", paramLabel = "N", description = "At most N (1-200, default 50).")
    Integer limit;

    @Option(
        names = "--before",
        paramLabel = "WHEN",
        description = "Requests made before this instant (the next page: the listing says which).")
    String before;
  }

  @Mixin Filters filters;

  @Override
  void run() {
    list(this, filters);
  }

  @Command(name = "list", description = "List approvals (default: the pending ones, newest first).")
  static final class ListApprovals extends Base {
    @Mixin Filters filters;

    @Override
    void run() {
      list(this, filters);
    }
  }

  static void list(Base command, Filters f) {
    Api api = command.session();
    if (f.limit != null && (f.limit < 1 || f.limit > 200)) {
      throw PcyException.usage("--limit must be between 1 and 200");
    }
    StringBuilder q = new StringBuilder("?status=");
    q.append(f.status == null ? Status.pending : f.status);
    if (f.agent != null) {
      q.append("&agent_id=").append(command.agents(api).id(f.agent));
    }
    if (f.limit != null) {
      q.append("&limit=").append(f.limit);
    }
    if (f.before != null) {
      q.append("&before=")
          .append(URLEncoder.encode(AuditCommand.when(f.before), StandardCharsets.UTF_8));
    }
    JsonNode r = api.get("/api/approvals" + q);
    Output o = command.out();
    if (o.json()) {
      o.json(r);
      return;
    }
    Instant now = Instant.now();
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode a : r.path("approvals")) {
      rows.add(
          List.of(
              shortId(Json.text(a, "id")),
              Json.text(a, "agent_name"),
              Json.text(a, "tool"),
              Json.text(a, "capability"),
              relative(Json.text(a, "requested_at"), now),
              Json.text(a, "status").equals("pending")
                  ? relative(Json.text(a, "expires_at"), now)
                  : "",
              status(o, a)));
    }
    if (rows.isEmpty()) {
      o.line(
          o.dim(
              "no "
                  + (f.status == null || f.status == Status.pending
                      ? "pending "
                      : f.status == Status.all ? "" : f.status + " ")
                  + "approvals"));
      return;
    }
    o.table(List.of("ID", "AGENT", "TOOL", "CAPABILITY", "REQUESTED", "EXPIRES", "STATUS"), rows);
    if (r.hasNonNull("next_before")) {
      o.line(
          o.dim(
              "more: pcy approvals"
                  + (f.status == null ? "" : " --status " + f.status)
                  + (f.agent == null ? "" : " --agent '" + f.agent + "'")
                  + (f.limit == null ? "" : " --limit " + f.limit)
                  + " --before "
                  + Json.text(r, "next_before")));
    }
  }

  @Command(name = "show", description = "One approval: the call, its arguments, the decision.")
  static final class Show extends Base {
    @Parameters(paramLabel = "ID", description = "The approval's id or a prefix of it.")
    String ref;

    @Override
    void run() {
      Api api = session();
      JsonNode a = api.get("/api/approvals/" + resolve(api, ref));
      if (out().json()) {
        out().json(a);
        return;
      }
      Output o = out();
      Map<String, String> emails = new Members(api).emails();
      List<String[]> fields =
          Output.pairs(
              "id", Json.text(a, "id"),
              "agent", Json.text(a, "agent_name") + " (" + Json.text(a, "agent_id") + ")",
              "tool", Json.text(a, "tool"),
              "capability", Json.text(a, "capability"),
              "status", status(o, a),
              "requested", Json.text(a, "requested_at"),
              "expires", Json.text(a, "expires_at"),
              "wake", Json.text(a, "wake_id"),
              "call", Json.text(a, "call_id"));
      if (!Json.text(a, "decided_at").isEmpty()) {
        fields.addAll(
            Output.pairs(
                "decided by", who(a, emails),
                "decided", Json.text(a, "decided_at"),
                "note", Json.text(a, "note")));
      }
      if (!Json.text(a, "execution").isEmpty()) {
        fields.addAll(Output.pairs("execution", execution(a)));
      }
      fields.addAll(
          Output.pairs(
              "arguments",
              a.path("arguments").isMissingNode() ? "" : Json.pretty(a.path("arguments"))));
      o.fields(fields);
    }
  }

  /** Approve or deny: POST {@code /api/approvals/:id/<verb>} with the note. */
  abstract static class Decide extends Base {
    @Parameters(paramLabel = "ID", description = "The approval's id or a prefix of it.")
    String ref;

    @Option(
        names = "--note",
        paramLabel = "TEXT",
        description = "Why (up to 2000 characters; the agent reads it).")
    String note;

    abstract String verb();

    abstract String done();

    @Override
    void run() {
      Api api = session();
      String id = resolve(api, ref);
      ObjectNode body = Json.object();
      if (note != null) {
        body.put("note", note);
      }
      JsonNode a;
      try {
        a = api.post("/api/approvals/" + id + "/" + verb(), body);
      } catch (PcyException e) {
        throw refused(api, id, e);
      }
      if (out().json()) {
        out().json(a);
        return;
      }
      out()
          .line(
              done()
                  + " "
                  + shortId(id)
                  + ": "
                  + Json.text(a, "tool")
                  + " for "
                  + Json.text(a, "agent_name")
                  + (verb().equals("approve")
                      ? " (it runs once when the agent wakes)"
                      : " (the agent is told, with the note)"));
    }
  }

  @Command(name = "approve", description = "Approve a pending call: it runs once, then the agent.")
  static final class Approve extends Decide {
    @Override
    String verb() {
      return "approve";
    }

    @Override
    String done() {
      return "approved";
    }
  }

  @Command(name = "deny", description = "Deny a pending call: the agent is told, with the note.")
  static final class Deny extends Decide {
    @Override
    String verb() {
      return "deny";
    }

    @Override
    String done() {
      return "denied";
    }
  }

  /**
   * A refused decision as one line: for a request already decided or expired, what happened to it,
   * who decided and when (read back from the server); any other refusal as the server said it.
   */
  static PcyException refused(Api api, String id, PcyException e) {
    boolean decided = e.getMessage().endsWith("(approval_decided)");
    boolean expired = e.getMessage().endsWith("(approval_expired)");
    if (!decided && !expired) {
      return e;
    }
    JsonNode a;
    try {
      a = api.get("/api/approvals/" + id);
    } catch (PcyException unreadable) {
      return e;
    }
    String status = Json.text(a, "status");
    String text =
        status.equals("expired")
            ? "approval "
                + shortId(id)
                + "… expired at "
                + Json.text(a, "decided_at")
                + " before anyone decided (it was due by "
                + Json.text(a, "expires_at")
                + "); the agent was told it was denied"
            : "approval "
                + shortId(id)
                + "… was already "
                + status
                + " by "
                + who(a, new Members(api).emails())
                + " at "
                + Json.text(a, "decided_at");
    return new PcyException(
        e.exitCode(), text + (decided ? " (approval_decided)" : " (approval_expired)"));
  }

  /**
   * The id of {@code ref}: a UUID as is, else the one approval among the newest 200 whose id starts
   * with it (at least 4 hex digits).
   */
  static String resolve(Api api, String ref) {
    String r = ref.strip().toLowerCase(Locale.ROOT);
    if (Agents.UUID_TEXT.matcher(r).matches()) {
      return r;
    }
    if (!r.matches("[0-9a-f-]{4,35}")) {
      throw PcyException.usage(
          "'" + ref + "' is not an approval id (or its first 4+ characters, as listed)");
    }
    List<String> found = new ArrayList<>();
    for (JsonNode a : api.get("/api/approvals?status=all&limit=200").path("approvals")) {
      if (Json.text(a, "id").startsWith(r)) {
        found.add(Json.text(a, "id"));
      }
    }
    if (found.size() == 1) {
      return found.getFirst();
    }
    if (found.isEmpty()) {
      throw PcyException.notFound(
          "no approval whose id starts with '" + ref + "' (pcy approvals --status all)");
    }
    throw PcyException.usage(
        "'" + ref + "' is ambiguous: give more of the id (" + String.join(", ", found) + ")");
  }

  static String shortId(String id) {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }

  /** The status, with the execution of an approved call once it is known. */
  static String status(Output o, JsonNode a) {
    String status = Json.text(a, "status");
    String shown =
        switch (status) {
          case "pending" -> o.yellow(status);
          case "approved" -> o.green(status);
          case "denied", "expired" -> o.red(status);
          default -> status;
        };
    String execution = Json.text(a, "execution");
    return execution.isEmpty() ? shown : shown + ", " + execution(a);
  }

  /** {@code executed (ok)}, {@code executed (failed)}, {@code running}, … */
  static String execution(JsonNode a) {
    String execution = Json.text(a, "execution");
    JsonNode ok = a.path("result_ok");
    if (execution.equals("executed") && ok.isBoolean()) {
      return execution + (ok.asBoolean() ? " (ok)" : " (failed)");
    }
    return execution;
  }

  /** Who decided: a member's e-mail, the user id, or "the runtime" for an expiry. */
  static String who(JsonNode a, Map<String, String> emails) {
    String by = Json.text(a, "decided_by");
    if (by.isEmpty()) {
      return Json.text(a, "status").equals("expired") ? "the runtime (expired)" : "—";
    }
    return emails.getOrDefault(by, by);
  }

  /** {@code 3 min ago} / {@code in 55 min} for an ISO instant; the text itself if unparsable. */
  static String relative(String iso, Instant now) {
    if (iso.isEmpty()) {
      return "";
    }
    Instant t;
    try {
      t = Instant.parse(iso);
    } catch (DateTimeParseException e) {
      try {
        t = OffsetDateTime.parse(iso).toInstant();
      } catch (DateTimeParseException again) {
        return iso;
      }
    }
    Duration d = Duration.between(now, t);
    boolean future = !d.isNegative();
    long s = Math.abs(d.toSeconds());
    if (s < 5) {
      return "now";
    }
    String amount =
        s < 60
            ? s + " s"
            : s < 3600 ? (s / 60) + " min" : s < 86400 ? (s / 3600) + " h" : (s / 86400) + " d";
    return future ? "in " + amount : amount + " ago";
  }
}
