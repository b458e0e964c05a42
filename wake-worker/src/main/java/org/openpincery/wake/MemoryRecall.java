package org.openpincery.wake;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openpincery.config.Env;
import org.openpincery.memory.MemoryResults;
import org.openpincery.memory.SearchMode;
import org.openpincery.model.EventType;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.wake.tools.MemoryAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automatic recall (docs/memory.md): at the start of a wake, the agent's memory is searched with
 * the text of the input the wake was woken for, and the best few hits the prompt does not already
 * hold are placed in it as untrusted text ({@code PromptBuilder.MEMORIES_LABEL}), within their own
 * character budget.
 *
 * <p>Recall never fails or holds up a wake: the query's embedding is given {@code
 * MEMORY_RECALL_TIMEOUT_MS} (on its own bounded pool, never on an event loop), after which the
 * search ranks by text alone; the whole search is given that plus a second; any failure or a later
 * answer means no memories in this wake, and a line in the log.
 */
final class MemoryRecall {

  private static final Logger LOG = LoggerFactory.getLogger(MemoryRecall.class);

  /**
   * The least cosine similarity of a memory recalled by meaning. With all-MiniLM-L6-v2, sentences
   * on unrelated subjects score about 0 to 0.2 and paraphrases above 0.5 (sentence-transformers'
   * published evaluations); below 0.3 a "nearest" memory is noise that costs tokens in every wake.
   */
  static final double MIN_SIMILARITY = 0.3;

  // On top of the embedding's timeout, for the searches themselves (indexed queries).
  private static final Duration SEARCH_SLACK = Duration.ofSeconds(1);
  // A hit cut to fit the budget keeps at least this much of its snippet, else it is left out.
  private static final int MIN_SNIPPET = 40;
  private static final String CUT = "…";
  private static final String OR = " or ";
  // Longer "words" (a hash, base64) are left out of the query: nobody searches by them.
  private static final int MAX_WORD = 100;
  // Letters and digits: punctuation would be web search syntax (quotes, a leading '-').
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  /**
   * The recall settings of a wake worker.
   *
   * @param limit {@code MEMORY_RECALL_LIMIT} (default 3, 0 to 20): memories recalled per wake; 0
   *     turns automatic recall off
   * @param chars {@code MEMORY_RECALL_CHARS} (default 1500, 100 to 100,000): the most characters
   *     the recalled memories take in the prompt (inside their delimiters)
   * @param timeout {@code MEMORY_RECALL_TIMEOUT_MS} (default 250 ms, 0 to 60,000): how long the
   *     query's embedding may take before recall ranks by text alone
   */
  record Settings(int limit, int chars, Duration timeout) {

    static Settings from(Env env) {
      return new Settings(
          env.integer("MEMORY_RECALL_LIMIT", 3, 0, 20),
          env.integer("MEMORY_RECALL_CHARS", 1500, 100, 100_000),
          Duration.ofMillis(env.integer("MEMORY_RECALL_TIMEOUT_MS", 250, 0, 60_000)));
    }
  }

  /**
   * What a wake's prompt already holds, so that it is not recalled again.
   *
   * @param input the inbox events folded in at the start (their text is also the query)
   * @param shownAfter every event after this seq may be in the prompt already (an interrupted
   *     wake's steps are shown again), or {@link Long#MAX_VALUE}
   * @param summaries the recent wake summaries in the prompt
   */
  record InPrompt(List<StoredEvent> input, long shownAfter, List<String> summaries) {}

  private final MemoryAccess memory;
  private final Settings settings;
  private final WakeMetrics metrics;

  MemoryRecall(MemoryAccess memory, Settings settings, WakeMetrics metrics) {
    this.memory = memory;
    this.settings = settings;
    this.metrics = metrics;
  }

  /**
   * The memories to recall for a wake, one line each ({@code #<seq> <type> at <time>: <snippet>}),
   * best first; empty when recall is off, the input has no text, nothing relevant was found, or the
   * search failed or was late. Each search is counted in {@code pincery_memory_recall_seconds}.
   */
  String recall(UUID agentId, InPrompt prompt) {
    if (settings.limit() == 0) {
      return "";
    }
    long started = System.nanoTime();
    String outcome;
    String ranking = "none";
    String recalled = "";
    try {
      String query = anyOf(query(prompt.input()));
      if (query.isEmpty()) {
        return ""; // nothing to search with (an approval decision, an empty timer note)
      }
      MemoryResults results = search(agentId, query, prompt.input().size());
      ranking = results.semanticUsed() ? "hybrid" : "text";
      results
          .degraded()
          .ifPresent(why -> LOG.debug("memory recall for agent {} by text only: {}", agentId, why));
      recalled = render(fresh(results.hits(), prompt, settings.limit()), settings.chars());
      outcome = recalled.isEmpty() ? "nothing" : "recalled";
    } catch (TimeoutException e) {
      outcome = "late";
      LOG.warn("memory recall for agent {} took too long; this wake recalls nothing", agentId);
    } catch (Exception e) {
      outcome = "failed";
      LOG.warn(
          "memory recall for agent {} failed; this wake recalls nothing: {}",
          agentId,
          e.toString());
    }
    metrics.memoryRecall(outcome, ranking, Duration.ofNanos(System.nanoTime() - started));
    return recalled;
  }

  private MemoryResults search(UUID agentId, String query, int inputEvents)
      throws TimeoutException {
    // The input's own events match it best: ask for enough to recall the limit without them.
    int ask = Math.min(50, settings.limit() * 2 + inputEvents);
    return memory
        .search(
            agentId,
            new MemoryQuery(query, null, Set.of(), ask),
            SearchMode.HYBRID,
            settings.timeout(),
            MIN_SIMILARITY)
        .await(settings.timeout().plus(SEARCH_SLACK).toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The best hits (best first) the prompt does not hold already, up to {@code limit}. */
  static List<MemoryHit> fresh(List<MemoryHit> hits, InPrompt prompt, int limit) {
    Set<Long> shown = new HashSet<>();
    prompt.input().forEach(e -> shown.add(e.seq()));
    return hits.stream()
        .filter(h -> !shown.contains(h.seq()) && h.seq() <= prompt.shownAfter())
        .filter(h -> !isShownSummary(h, prompt.summaries()))
        .limit(limit)
        .toList();
  }

  /**
   * The query made of a wake's input: the text of its messages, webhooks and timers (newest kept
   * when it is too long for a query).
   */
  static String query(List<StoredEvent> input) {
    StringBuilder text = new StringBuilder();
    for (StoredEvent e : input) {
      if (e.type().orElse(null) == EventType.APPROVAL_DECIDED) {
        continue;
      }
      String part = e.content();
      if (part == null && e.payload() != null && e.payload().getValue("body") != null) {
        part = io.vertx.core.json.Json.encode(e.payload().getValue("body"));
      }
      if (part != null && !part.isBlank()) {
        text.append(oneLine(part)).append(' ');
      }
    }
    String all = text.toString().strip();
    int max = MemoryQuery.MAX_TEXT_CHARS;
    if (all.length() <= max) {
      return all;
    }
    String tail = all.substring(all.length() - max);
    int space = tail.indexOf(' ');
    if (space >= 0 && space < max / 2) {
      return tail.substring(space + 1); // start at a word
    }
    return Character.isLowSurrogate(tail.charAt(0)) ? tail.substring(1) : tail;
  }

  /**
   * The query's words, any of which may match ({@code a or b or c} in web search syntax), newest
   * kept within the query's length: text search matches all words of a query, and an old event
   * rarely holds every word of a new message. Semantic ranking reads the same words.
   */
  static String anyOf(String text) {
    List<String> words = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      String word = m.group();
      if (word.length() <= MAX_WORD
          && !word.equalsIgnoreCase("or")
          && seen.add(word.toLowerCase(Locale.ROOT))) {
        words.add(word);
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = words.size() - 1; i >= 0; i--) {
      String word = words.get(i);
      int grown = out.length() + word.length() + (out.isEmpty() ? 0 : OR.length());
      if (grown > MemoryQuery.MAX_TEXT_CHARS) {
        break;
      }
      out.insert(0, out.isEmpty() ? word : word + OR);
    }
    return out.toString();
  }

  /** The hits as lines within {@code budget} characters; the last one may be cut to fit. */
  static String render(List<MemoryHit> hits, int budget) {
    StringBuilder out = new StringBuilder();
    for (MemoryHit hit : hits) {
      String head =
          (out.isEmpty() ? "" : "\n")
              + "#"
              + hit.seq()
              + " "
              + hit.eventType()
              + " at "
              + hit.createdAt().truncatedTo(ChronoUnit.SECONDS)
              + ": ";
      String snippet = oneLine(hit.snippet());
      int room = budget - out.length() - head.length();
      if (snippet.length() <= room) {
        out.append(head).append(snippet);
        continue;
      }
      int keep = room - CUT.length();
      if (keep >= MIN_SNIPPET) {
        if (Character.isHighSurrogate(snippet.charAt(keep - 1))) {
          keep--;
        }
        out.append(head).append(snippet, 0, keep).append(CUT);
      }
      break;
    }
    return out.toString();
  }

  // A wake summary the prompt already shows among its recent wakes.
  private static boolean isShownSummary(MemoryHit hit, List<String> summaries) {
    if (!EventType.MAINTENANCE_COMPLETED.wire().equals(hit.eventType())) {
      return false;
    }
    String core = trimmed(oneLine(hit.snippet()));
    return !core.isEmpty() && summaries.stream().anyMatch(s -> oneLine(s).contains(core));
  }

  private static String trimmed(String snippet) {
    String s = snippet.strip();
    for (String mark : List.of("…", "...")) {
      if (s.startsWith(mark)) {
        s = s.substring(mark.length());
      }
      if (s.endsWith(mark)) {
        s = s.substring(0, s.length() - mark.length());
      }
    }
    return s.strip();
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s+", " ").strip();
  }
}
