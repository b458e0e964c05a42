package org.openpincery.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The memory bench's event log: for each agent a deterministic history of varied, realistic text
 * (people's messages, webhook bodies, tool calls and their results, what the agent said and sent,
 * wake summaries, timers, remembered facts) in the proportions of a busy assistant, with the
 * labelled set's facts (and their decoys, {@link MemoryFacts}) planted at random positions.
 *
 * <p>About 9 in 10 events are of a type the memory index keeps; the rest are {@code tool_call}s,
 * which it skips (as in a real log, where a tool's result follows its call).
 */
final class MemoryCorpus {

  /** One event to append: the columns {@code pincery_append_event} takes. */
  record Draft(
      String type,
      String source,
      String content,
      String toolName,
      String toolInput,
      String toolOutput,
      String payload) {

    static Draft of(String type, String source, String content) {
      return new Draft(type, source, content, null, null, null, "{}");
    }
  }

  /** A fact planted in an agent's history, and where. */
  record Planted(int agent, int position, MemoryFacts.Instance fact) {}

  private static final String[] MESSAGES = {
    "Hi, it's {first}. Could you {request} for {company} by {weekday}? {filler}",
    "{first} {last} from {company} asked whether the {item} can be delivered to {city} before {month} {day}.",
    "Can you check on {topic}? Last time {first} said the {item} {issue}.",
    "Reminder: {request} — {first} needs it for the meeting at {time} on {weekday}. {filler}",
    "Please look into the {item}, it {issue}. Reference {ref:XX-####}.",
    "What's the status of {topic}? {company} has been waiting since {month} {day}.",
    "Thanks for the update on {topic}. Next, please {request}. {filler}",
    "{first} says the {item} {issue}. Customer {cust:C-#####}, phone {phone}.",
    "Can we move the review of {topic} with {first} {last} to {weekday} at {time}?",
    "Forwarded from {email}: \"The {item} {issue}; what are our options regarding {topic}?\"",
    "ok, go ahead",
    "sounds good, thanks!",
    "any news on {topic}?",
    "{first} and {first2} will join the call about {topic}; please {request} before then. {filler} {filler2}",
  };

  private static final String[] ASSISTANT = {
    "I checked {topic}: the {item} {issue}. I'll {request} next.",
    "Done — I managed to {request}; {first} has been informed.",
    "I couldn't reach {host}; I'll retry in {n} minutes.",
    "Summary for {first}: {topic} is on track, the {item} still {issue}, and {company} expects an answer by {weekday}.",
    "I looked at the last {n} messages about {topic}; nothing new since {month} {day}.",
    "The {item} for {company} is confirmed. Reference {ref:XX-####}, total {amount} EUR.",
    "I'd suggest we {request} first and revisit {topic} afterwards. {filler}",
  };

  private static final String[] SENT = {
    "Hi {first}, quick update on {topic}: the {item} {issue}. I will {request} and get back to you. Best regards",
    "Heads-up: {service} on {host} {issue}, looking into it.",
    "Dear {first} {last}, thank you for your message about the {item}. We will {request} by {weekday}.",
    "Reminder for {first}: {topic} review on {weekday} at {time}.",
    "Hello {company} team, attached is the summary of {topic}. {filler}",
  };

  private static final String[] WEBHOOKS = {
    "{\"type\":\"invoice.payment_failed\",\"data\":{\"object\":{\"id\":\"{inv:in_xxxxxxxxxxxx}\",\"customer\":\"{cus:cus_xxxxxxxxxx}\",\"amount_due\":{n}00,\"currency\":\"eur\",\"customer_email\":\"{email}\",\"attempt_count\":2}}}",
    "{\"action\":\"opened\",\"pull_request\":{\"number\":{n},\"title\":\"Improve {topic} handling\",\"user\":{\"login\":\"{slug}-dev\"}},\"repository\":{\"full_name\":\"{slug}/{service}\"}}",
    "{\"alert\":\"HighLatency\",\"host\":\"{host}\",\"service\":\"{service}\",\"severity\":\"warning\",\"value\":{pct},\"summary\":\"{service} {issue}\"}",
    "{\"event\":\"order.created\",\"order_id\":\"{ord:ORD-XXXXXX}\",\"items\":[{\"sku\":\"{sku:SKU-####}\",\"name\":\"{item}\",\"qty\":{n}}],\"ship_to\":{\"city\":\"{city}\"}}",
    "{\"event\":\"calendar.updated\",\"title\":\"{topic} with {first}\",\"start\":\"2026-{mm:1#}-{dd:1#}T{time}:00Z\",\"location\":\"{city}\"}",
    "{\"form\":\"contact\",\"name\":\"{first} {last}\",\"email\":\"{email}\",\"message\":\"The {item} {issue}. Could you {request}?\"}",
  };

  private static final String[] SUMMARIES = {
    "Wake summary: {first} asked about {topic}; I checked the {item}, which {issue}. Open: {request}.",
    "Wake summary: handled {n} messages. {company} wants to {request}; waiting for {first} {last} to confirm. {filler}",
    "Wake summary: {service} on {host} {issue}; I opened ticket {ref:XX-####} and told {first}. Next check on {weekday}.",
    "Wake summary: nothing urgent. Noted that {first} prefers {weekday} meetings and that {topic} moves to {month}.",
  };

  // Sentences that lengthen a message, a reply, an e-mail or a summary: real ones run from a few
  // words to several paragraphs.
  private static final String[] SENTENCES = {
    "{first} mentioned that {company} is also interested in {topic}.",
    "The {item} from last {month} {issue}, so we should keep an eye on it.",
    "I think we should {request} before the end of the month.",
    "Last time we tried this it took about {n} minutes.",
    "{first2} {last2} from {company2} will be in {city} on {weekday} if we want to meet.",
    "The budget for {topic} is {amount} EUR for this quarter.",
    "There are {n} open items on the list, most of them about the {item}.",
    "{filler}",
    "As discussed on {weekday}, {topic} has priority over everything else.",
    "Please note that the {item} {issue}; {first} is aware.",
    "We agreed with {company} to {request} every {weekday}.",
    "If that does not work, the fallback is to {request2}.",
    "The customer ({email}) wrote again about the {item}.",
    "{first} will be back from {city} on {weekday}.",
  };

  private static final String[] LOG_LINES = {
    "{ts} INFO  [{service}] request completed in {n} ms (status 200)",
    "{ts} WARN  [{service}] slow query took {n}0 ms: SELECT * FROM orders WHERE customer_id = $1",
    "{ts} ERROR [{service}] connection to {host}:5432 refused, retrying in {pct} s",
    "{ts} INFO  [{service}] job {ref:XXXXXXXX} finished: {n} processed, {n2} skipped",
    "{ts} DEBUG [{service}] cache hit ratio {pct}%",
    "{ts} WARN  [{service}] {item} {issue}",
  };

  private static final String[] TIMERS = {
    "Timer: {request} for {company}.",
    "Daily check: {topic}.",
    "Follow up with {first} about the {item}.",
  };

  private static final String[] REMEMBERED = {
    "{first} {last} prefers short answers and {weekday} meetings.",
    "{company} is our contact for the {item}; ask for {first}.",
    "{topic}: decided to {request} every {weekday}.",
  };

  private final long seed;
  private final int agents;
  private final long events;
  private final List<Planted> planted;

  /**
   * @param seed the same seed gives the same log
   * @param agents how many agents share the log
   * @param events how many events in all, spread evenly over the agents
   * @param factAgents how many agents (the first ones) carry the labelled facts
   */
  MemoryCorpus(long seed, int agents, long events, int factAgents) {
    this.seed = seed;
    this.agents = agents;
    this.events = events;
    this.planted = plant(seed, (int) (events / agents), Math.min(factAgents, agents));
  }

  int agents() {
    return agents;
  }

  long events() {
    return events;
  }

  /** How many events agent {@code agent} gets (the total split evenly, the first ones one more). */
  int eventsOf(int agent) {
    return (int) (events / agents + (agent < events % agents ? 1 : 0));
  }

  /**
   * The labelled facts and their decoys, each with its agent and position (0-based) in that agent's
   * history.
   */
  List<Planted> planted() {
    return planted;
  }

  /** Agent {@code agent}'s whole history, oldest first. */
  List<Draft> history(int agent) {
    Random random = new Random(seed * 1_000_003L + agent);
    MemoryText text = new MemoryText(random);
    MemoryText.Domain domain = MemoryText.DOMAINS[agent % MemoryText.DOMAINS.length];
    Map<Integer, Draft> plantedHere = new HashMap<>();
    for (Planted p : planted) {
      if (p.agent() == agent) {
        plantedHere.put(p.position(), p.fact().draft());
      }
    }
    int count = eventsOf(agent);
    List<Draft> out = new ArrayList<>(count);
    while (out.size() < count) {
      Draft fixed = plantedHere.get(out.size());
      if (fixed != null) {
        out.add(fixed);
        continue;
      }
      Draft d =
          background(
              text,
              domain,
              random,
              out.size() + 1 < count && !plantedHere.containsKey(out.size() + 1));
      if (d.type().equals("tool_call")) {
        // A call is always followed by its result.
        out.add(d);
        out.add(toolResult(text, domain, d.toolName()));
      } else {
        out.add(d);
      }
    }
    return out;
  }

  private static Draft background(
      MemoryText t, MemoryText.Domain d, Random random, boolean roomForTool) {
    int roll = random.nextInt(100);
    Map<String, String> b = new HashMap<>();
    if (roll < 22) {
      return Draft.of(
          "message_received",
          "person:" + t.pick(MemoryText.FIRST).toLowerCase(),
          t.fill(t.pick(MESSAGES), d, b) + more(t, d, 0.5, 6));
    } else if (roll < 36) {
      return new Draft(
          "webhook_received",
          "webhook",
          envelope(t, d, t.fill(t.pick(WEBHOOKS), d, b)),
          null,
          null,
          null,
          "{\"content_type\":\"application/json\"}");
    } else if (roll < 48 && roomForTool) {
      int tool = random.nextInt(TOOLS.length);
      return new Draft(
          "tool_call", "agent", null, TOOLS[tool][0], t.fill(TOOLS[tool][1], d, b), null, "{}");
    } else if (roll < 64) {
      return Draft.of(
          "assistant_message", "agent", t.fill(t.pick(ASSISTANT), d, b) + more(t, d, 0.5, 6));
    } else if (roll < 76) {
      return Draft.of("message_sent", "agent", t.fill(t.pick(SENT), d, b) + more(t, d, 0.6, 8));
    } else if (roll < 88) {
      return Draft.of(
          "maintenance_completed",
          "maintenance",
          t.fill(t.pick(SUMMARIES), d, b) + more(t, d, 0.75, 12));
    } else if (roll < 95) {
      return Draft.of("timer_fired", "timer", t.fill(t.pick(TIMERS), d, b));
    } else {
      return new Draft(
          "memory_remembered",
          "agent",
          t.fill(t.pick(REMEMBERED), d, b),
          null,
          null,
          null,
          "{\"tags\":[\"note\"]}");
    }
  }

  // name, input (JSON), output templates (one is picked per result).
  private static final String[][] TOOLS = {
    {"shell", "{\"command\":\"df -h /var/lib\"}"},
    {"shell", "{\"command\":\"systemctl status {service}\"}"},
    {"http_get", "{\"url\":\"https://api.{slug}.example/orders/{ord:ORD-XXXXXX}\"}"},
    {"sql_query", "{\"sql\":\"SELECT count(*) FROM orders WHERE status = 'open'\"}"},
    {"search_web", "{\"query\":\"{topic} best practices\"}"},
    {"read_file", "{\"path\":\"notes/{slug}.md\"}"},
  };

  private static final Map<String, String[]> TOOL_OUTPUTS =
      Map.of(
          "shell",
          new String[] {
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1       200G  {n}G  {pct}G  {pct2}% /var/lib",
            "● {service}.service - {service} daemon\n   Loaded: loaded (/lib/systemd/system/{service}.service; enabled)\n   Active: active (running) since {weekday}; {n} days ago\n Main PID: {pid:####}",
            "collected {n} items\n\ntests/test_{service}.py ....F...\nFAILED tests/test_{service}.py::test_{slug} - AssertionError: expected {n2} got {n3}\n==== 1 failed, {n} passed in {pct}.2s ===="
          },
          "http_get",
          new String[] {
            "{\"id\":\"{ord:ORD-XXXXXX}\",\"status\":\"shipped\",\"carrier\":\"DHL\",\"tracking\":\"{trk:JJD##########}\",\"items\":{n}}",
            "{\"error\":\"not_found\",\"message\":\"order does not exist\"}",
            "{\"customer\":\"{first} {last}\",\"open_tickets\":{n},\"plan\":\"{item}\"}"
          },
          "sql_query",
          new String[] {
            " count \n-------\n  {n}\n(1 row)",
            " customer | total\n----------+-------\n {cust:C-#####} | {amount}\n {cust2:C-#####} | {amount2}\n(2 rows)"
          },
          "search_web",
          new String[] {
            "1. {topic}: a practical guide — {slug}.example\n   Ten lessons from teams who {request} every week.\n2. Why the {item} {issue} — forum.example\n   A long thread with workarounds.",
            "1. {company} announces new {item} — news.example\n   The company expects growth in {city}."
          },
          "read_file",
          new String[] {
            "# {topic}\n\n- owner: {first} {last}\n- next step: {request}\n- status: the {item} {issue}\n",
            "# Meeting notes {month} {day}\n\nAttendees: {first}, {first2}, {first3}\nDecision: {request} before {weekday}.\n"
          });

  private static Draft toolResult(MemoryText t, MemoryText.Domain d, String tool) {
    String output;
    if (tool.equals("shell") && t.chance(0.4)) {
      // A log tail: from a few lines to a screenful.
      StringBuilder log =
          new StringBuilder(t.fill("$ tail -n 40 /var/log/{service}.log", d, new HashMap<>()));
      for (int i = t.between(3, 40); i > 0; i--) {
        Map<String, String> line = new HashMap<>();
        line.put("ts", t.identifier("2026-11-2#T1#:#5:#3.###Z"));
        log.append('\n').append(t.fill(t.pick(LOG_LINES), d, line));
      }
      output = log.toString();
    } else {
      output = t.fill(t.pick(TOOL_OUTPUTS.get(tool)), d, new HashMap<>());
      if (tool.equals("search_web") || tool.equals("read_file")) {
        output += "\n" + more(t, d, 0.8, 15).strip();
      }
    }
    return new Draft("tool_result", "agent", null, tool, null, output, "{}");
  }

  // Sentences appended while a coin of probability p says so, at most max.
  private static String more(MemoryText t, MemoryText.Domain d, double p, int max) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < max && t.chance(p); i++) {
      String sentence = t.fill(t.pick(SENTENCES), d, new HashMap<>());
      if (!sentence.isEmpty()) {
        out.append(' ').append(sentence);
      }
    }
    return out.toString();
  }

  // A webhook as delivered: the provider's envelope (ids, timestamps, delivery metadata) around
  // the event, sometimes with a free-text note.
  private static String envelope(MemoryText t, MemoryText.Domain d, String body) {
    String note =
        t.chance(0.3) ? ",\"note\":\"" + more(t, d, 0.7, 6).strip().replace("\"", "'") + "\"" : "";
    return t.fill(
            "{\"id\":\"{evt:evt_xxxxxxxxxxxxxxxxxxxxxxxx}\",\"created\":17{ts:########},\"api_version\":\"2024-06-20\",\"livemode\":true,\"delivery\":{\"attempt\":1,\"id\":\"{del:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}\",\"user_agent\":\"{slug}-hooks/2.1\"},\"data\":",
            d,
            new HashMap<>())
        + body
        + note
        + "}";
  }

  // The facts go round-robin over the fact agents, each with its decoys, at random distinct
  // positions (never the last: a background tool call may need the next slot for its result).
  private static List<Planted> plant(long seed, int eventsPerAgent, int factAgents) {
    List<Planted> out = new ArrayList<>();
    if (factAgents == 0) {
      return out;
    }
    List<MemoryFacts.Instance> facts = MemoryFacts.instances(seed);
    Map<Integer, java.util.Set<Integer>> used = new HashMap<>();
    Random random = new Random(seed ^ 0x5eedL);
    for (int i = 0; i < facts.size(); i++) {
      int agent = i % factAgents;
      MemoryFacts.Instance fact = facts.get(i);
      for (MemoryFacts.Instance one : fact.withDecoys()) {
        java.util.Set<Integer> taken = used.computeIfAbsent(agent, a -> new java.util.HashSet<>());
        if (taken.size() >= eventsPerAgent - 1) {
          throw new IllegalArgumentException("too few events per agent for the labelled facts");
        }
        int position;
        do {
          position = random.nextInt(eventsPerAgent - 1);
        } while (!taken.add(position));
        out.add(new Planted(agent, position, one));
      }
    }
    return out;
  }
}
