package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy memory search AGENT QUERY…}: what an agent has lived through that matches a query
 * ({@code GET /api/agents/:id/memory/search}, docs/api.md "Memory"): seq, time, type, score and
 * snippet, best first. Snippets are untrusted text, printed on one line with control characters
 * replaced, so nothing an agent or a webhook wrote can move the cursor or colour the terminal.
 */
@Command(
    name = "memory",
    description = {
      "Search an agent's memory (its event log, indexed).",
      "  pcy memory search researcher invoice INV-20931",
      "  pcy memory search researcher \"what did finance say\" --mode semantic --since 7d",
      "  pcy memory rebuild researcher"
    },
    subcommands = {MemoryCommand.Search.class, MemoryCommand.Rebuild.class})
final class MemoryCommand extends Base {

  static final List<String> MODES = List.of("hybrid", "text", "semantic");

  @Override
  void run() {
    throw PcyException.usage("memory needs a command: search, rebuild");
  }

  @Command(
      name = "search",
      description = {
        "The agent's events that match QUERY, best first: seq, time, type, score, snippet.",
        "Words, a \"quoted phrase\", -word to exclude, or; names and identifiers match by",
        "similarity; --mode semantic (or the default hybrid) also by meaning."
      })
  static final class Search extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "QUERY")
    List<String> words;

    @Option(
        names = "--mode",
        paramLabel = "MODE",
        description = "hybrid (default: words and meaning, fused), text or semantic.")
    String mode;

    @Option(
        names = "--since",
        paramLabel = "WHEN",
        description = "Only events from this time: an ISO-8601 instant, or a duration ago (24h).")
    String since;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        description =
            "Only events of this type (repeatable): message_received, webhook_received,"
                + " assistant_message, tool_result, maintenance_completed, memory_remembered, …")
    List<String> types;

    @Option(names = "--limit", paramLabel = "N", description = "Hits at most (1-50, default 10).")
    Integer limit;

    @Override
    void run() {
      String query = String.join(" ", words);
      if (query.isBlank()) {
        throw PcyException.usage("give the words to look for");
      }
      StringBuilder path = new StringBuilder("?q=").append(encode(query));
      if (mode != null) {
        String m = mode.toLowerCase(Locale.ROOT);
        if (!MODES.contains(m)) {
          throw PcyException.usage("--mode is hybrid, text or semantic, not '" + mode + "'");
        }
        path.append("&mode=").append(m);
      }
      if (since != null) {
        path.append("&since=").append(encode(AuditCommand.when(since)));
      }
      if (types != null && !types.isEmpty()) {
        path.append("&types=").append(encode(String.join(",", types)));
      }
      if (limit != null) {
        path.append("&limit=").append(limit);
      }
      Api api = session();
      JsonNode r =
          api.get(
              "/api/agents/" + encode(agents(api).id(agent)) + "/memory/search" + path.toString());
      if (out().json()) {
        out().json(r);
        return;
      }
      if (r.hasNonNull("degraded")) {
        io().err().println("pcy: ranked by text only: " + r.get("degraded").asText());
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode hit : r.path("hits")) {
        rows.add(
            List.of(
                "#" + Json.text(hit, "seq"),
                time(Json.text(hit, "created_at")),
                Json.text(hit, "event_type"),
                String.format(Locale.ROOT, "%.3f", hit.path("score").asDouble()),
                oneLine(Json.text(hit, "snippet"))));
      }
      if (rows.isEmpty()) {
        out().line("nothing found for '" + oneLine(query) + "'");
        return;
      }
      out().table(List.of("SEQ", "TIME", "TYPE", "SCORE", "SNIPPET"), rows);
    }
  }

  @Command(
      name = "rebuild",
      description = {
        "Rebuild the agent's memory index from its event log, seq 1 onward (admin).",
        "Text search works at once; the memory indexer embeds the entries again."
      })
  static final class Rebuild extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      Api api = session();
      JsonNode r =
          api.post("/api/agents/" + encode(agents(api).id(agent)) + "/memory/rebuild", null);
      if (out().json()) {
        out().json(r);
        return;
      }
      out()
          .line("rebuilt " + agent + "'s memory index: " + r.path("entries").asLong() + " entries");
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** {@code 2026-01-31T09:00:00.123Z} as {@code 2026-01-31 09:00:00}. */
  private static String time(String iso) {
    return iso.length() >= 19 ? iso.substring(0, 10) + " " + iso.substring(11, 19) : iso;
  }

  /** Untrusted text on one line: control characters (newlines, escapes) become spaces. */
  static String oneLine(String text) {
    return text.replaceAll("[\\p{Cc}\\p{Zl}\\p{Zp}]", " ").strip();
  }
}
