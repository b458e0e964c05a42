package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pcy audit [filters] [--export FILE|-]} and {@code pcy audit verify}: the workspace's audit
 * trail (admins and owners): who (a user or an API token) did what to which target, when, from
 * which address, with the request id. The export is the server's JSON lines with each entry's hash.
 */
@Command(
    name = "audit",
    description = {
      "The workspace's audit trail, oldest first (admin or owner).",
      "  pcy audit --action token.create --since 24h",
      "  pcy audit --export audit.jsonl     # every entry as JSON lines, with hashes",
      "  pcy audit verify                   # the hash chain; exit 1 when broken"
    },
    subcommands = {AuditCommand.Verify.class})
final class AuditCommand extends Base {

  private static final Pattern RELATIVE = Pattern.compile("\\d+\\s*[smhd]?");

  @Option(
      names = "--actor",
      paramLabel = "ACTOR",
      description =
          "Entries by this actor: a member's e-mail or user id, a token id, or a kind of actor"
              + " (bootstrap, anonymous).")
  String actor;

  @Option(
      names = "--action",
      paramLabel = "ACTION",
      description = "Entries of this action (token.create) or family of actions (member.*).")
  String action;

  @Option(names = "--target", paramLabel = "ID", description = "Entries about this target's id.")
  String target;

  @Option(
      names = "--target-type",
      paramLabel = "TYPE",
      description = "Entries about targets of this type (agent, member, token, credential, ...).")
  String targetType;

  @Option(
      names = "--installation",
      description =
          "The installation's own trail (entries of no workspace; for owners of the"
              + " installation's workspace) instead of the workspace's.")
  boolean installation;

  @Option(
      names = "--since",
      paramLabel = "WHEN",
      description = "From this time: an ISO-8601 instant, or a duration ago (30m, 24h, 7d).")
  String since;

  @Option(
      names = "--until",
      paramLabel = "WHEN",
      description = "Up to this time: an ISO-8601 instant, or a duration ago.")
  String until;

  @Option(
      names = "--after-seq",
      paramLabel = "SEQ",
      description = "Entries after this seq (the next page: the listing says which).")
  Long afterSeq;

  @Option(names = "--limit", paramLabel = "N", description = "At most N entries (one page).")
  Integer limit;

  @Option(
      names = "--export",
      paramLabel = "FILE",
      description =
          "Write the trail as JSON lines (GET /api/audit/export) to FILE, or - for stdout.")
  String export;

  @Override
  void run() {
    Api api = session();
    if (export != null) {
      export(api);
      return;
    }
    JsonNode r = api.get("/api/audit" + query(api));
    if (out().json()) {
      out().json(r);
      return;
    }
    Map<String, String> emails = new Members(api).emails();
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode e : r.path("entries")) {
      JsonNode t = e.path("target");
      rows.add(
          List.of(
              Json.text(e, "seq"),
              Json.text(e, "at"),
              actor(e.path("actor"), emails),
              Json.text(e, "action"),
              t.isObject() ? Json.text(t, "type") + " " + Json.text(t, "id") : "",
              Json.text(e, "outcome") + " " + Json.text(e, "status"),
              Json.text(e, "address")));
    }
    out().table(List.of("SEQ", "AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "ADDRESS"), rows);
    if (r.hasNonNull("next_after_seq")) {
      out().line(out().dim("more: pcy audit --after-seq " + Json.text(r, "next_after_seq")));
    }
  }

  /** A person's e-mail, a token with its creator's, or the actor's type (bootstrap, anonymous). */
  static String actor(JsonNode actor, Map<String, String> emails) {
    String id = Json.text(actor, "id");
    return switch (Json.text(actor, "type")) {
      case "user" -> emails.getOrDefault(id, id);
      case "token" -> {
        String by = Json.text(actor, "user_id");
        yield "token " + id + (by.isEmpty() ? "" : " (" + emails.getOrDefault(by, by) + ")");
      }
      default -> Json.text(actor, "type");
    };
  }

  /** The filters as a query string ({@code ?a=b&…}), or "". */
  private String query(Api api) {
    Map<String, String> q = new LinkedHashMap<>();
    if (actor != null) {
      q.put("actor", actor.contains("@") ? new Members(api).userId(actor) : actor);
    }
    put(q, "action", action);
    put(q, "target", target);
    put(q, "target_type", targetType);
    put(q, "since", when(since));
    put(q, "until", when(until));
    put(q, "after_seq", afterSeq == null ? null : afterSeq.toString());
    put(q, "limit", limit == null ? null : limit.toString());
    put(q, "scope", installation ? "installation" : null);
    StringBuilder s = new StringBuilder();
    q.forEach(
        (k, v) ->
            s.append(s.isEmpty() ? '?' : '&')
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return s.toString();
  }

  private static void put(Map<String, String> q, String key, String value) {
    if (value != null) {
      q.put(key, value);
    }
  }

  /** An instant as given, or now minus a duration ({@code 24h}); null stays null. */
  static String when(String text) {
    if (text == null) {
      return null;
    }
    if (RELATIVE.matcher(text.strip()).matches()) {
      return Instant.now().minusSeconds(ScheduleCommand.seconds(text)).toString();
    }
    try {
      return Instant.parse(text.strip()).toString();
    } catch (java.time.format.DateTimeParseException e) {
      throw PcyException.usage(
          "'" + text + "' is neither an instant (2026-01-31T09:00:00Z) nor a duration (24h, 7d)");
    }
  }

  private void export(Api api) {
    HttpResponse<InputStream> response;
    try {
      response =
          api.open("/api/audit/export" + query(api), Map.of("Accept", "application/x-ndjson"));
    } catch (IOException e) {
      throw api.unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PcyException.failure("interrupted");
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() / 100 != 2) {
        throw api.error(
            response.statusCode(),
            new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8),
            null);
      }
      if (export.equals("-")) {
        body.transferTo(io().out());
        io().out().flush();
        return;
      }
      Path file = Path.of(export).toAbsolutePath();
      Path tmp = Files.createTempFile(file.getParent(), ".audit", ".tmp");
      long lines;
      try {
        try (OutputStream to = Files.newOutputStream(tmp)) {
          body.transferTo(to);
        }
        lines = countLines(tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      if (out().json()) {
        out().json(Json.object().put("file", file.toString()).put("entries", lines));
      } else {
        out().line(lines + " entries written to " + file);
      }
    } catch (IOException e) {
      throw PcyException.failure("cannot write the export to " + export + ": " + e.getMessage());
    }
  }

  private static long countLines(Path file) throws IOException {
    try (var lines = Files.lines(file)) {
      return lines.filter(l -> !l.isBlank()).count();
    }
  }

  @Command(
      name = "verify",
      description = "Check the audit trail's hash chain on the server; exit 1 when it is broken.")
  static final class Verify extends Base {
    @Option(names = "--installation", description = "The installation's own trail.")
    boolean installation;

    @Override
    void run() {
      JsonNode r = session().get("/api/audit/verify" + (installation ? "?scope=installation" : ""));
      boolean valid = r.path("valid").asBoolean(false);
      if (out().json()) {
        out().json(r);
      } else if (valid) {
        out().line(out().green("audit chain valid") + ": " + Json.text(r, "entries") + " entries");
      }
      if (!valid) {
        throw PcyException.failure(
            "audit chain broken at seq "
                + Json.text(r, "first_bad_seq")
                + ": "
                + Json.text(r, "problem")
                + " ("
                + Json.text(r, "entries")
                + " entries checked)");
      }
    }
  }
}
