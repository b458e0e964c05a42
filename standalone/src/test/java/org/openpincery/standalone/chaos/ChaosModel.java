package org.openpincery.standalone.chaos;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Slow;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.ScriptedModelServer.Turn;

/**
 * The model of the chaos run: it answers in 20–200 ms and obeys two instructions found in the new
 * input of a wake — {@code set-timer <note> <seconds>} (a {@code set_timer} call) and {@code relay
 * <token> to <agent>} (a {@code send_message} of {@code relayed <token>}) — and otherwise says it
 * is done. A maintenance request (one without tools) gets a fixed projection. Every input token a
 * wake request carried is remembered, as the model's own record of what it was shown.
 */
final class ChaosModel {

  static final Pattern TOKEN = Pattern.compile("\\b(?:msg|whk|rel|tm)-a\\d+-\\d+\\b");
  private static final Pattern SET_TIMER = Pattern.compile("set-timer (tm-a\\d+-\\d+) (\\d+)");
  private static final Pattern RELAY = Pattern.compile("relay (rel-a\\d+-\\d+) to (chaos-\\d+)");
  private static final String PROJECTION =
      "{\"identity\": \"A chaos agent.\", \"work_list\": \"- obey\", \"summary\": \"Obeyed.\"}";

  final Set<String> seen = ConcurrentHashMap.newKeySet();
  final AtomicLong wakeRequests = new AtomicLong();
  final AtomicLong maintenanceRequests = new AtomicLong();
  private final Random random;

  ChaosModel(long seed) {
    this.random = new Random(seed);
  }

  ScriptedModelServer start() {
    return ScriptedModelServer.start().withoutRecording().otherwise(this::answer);
  }

  private synchronized long delay() {
    return 20 + random.nextInt(181);
  }

  private Turn answer(JsonObject request) {
    long delay = delay();
    if (!request.containsKey("tools")) {
      maintenanceRequests.incrementAndGet();
      return new Slow(delay, new Text(PROJECTION, "stop", 100, 20));
    }
    wakeRequests.incrementAndGet();
    JsonArray messages = request.getJsonArray("messages", new JsonArray());
    for (int i = 0; i < messages.size(); i++) {
      Object content = messages.getJsonObject(i).getValue("content");
      if (content instanceof String text) {
        Matcher all = TOKEN.matcher(text);
        while (all.find()) {
          seen.add(all.group());
        }
      }
    }
    // The input this step has not answered yet: the user messages after the last assistant turn.
    StringBuilder fresh = new StringBuilder();
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonObject m = messages.getJsonObject(i);
      String role = m.getString("role");
      if ("assistant".equals(role) || "tool".equals(role)) {
        break;
      }
      if ("user".equals(role)) {
        fresh.append(' ').append(m.getValue("content"));
      }
    }
    List<String[]> calls = new ArrayList<>();
    Matcher timer = SET_TIMER.matcher(fresh);
    while (timer.find()) {
      calls.add(
          new String[] {
            "set_timer",
            new JsonObject()
                .put("in_seconds", Integer.parseInt(timer.group(2)))
                .put("note", timer.group(1))
                .encode()
          });
    }
    Matcher relay = RELAY.matcher(fresh);
    while (relay.find()) {
      calls.add(
          new String[] {
            "send_message",
            new JsonObject()
                .put("to", relay.group(2))
                .put("content", "relayed " + relay.group(1))
                .encode()
          });
    }
    if (calls.isEmpty()) {
      return new Slow(delay, new Text("Done.", "stop", 100, 20));
    }
    return new Slow(delay, new ToolCalls(calls, 100, 20));
  }
}
