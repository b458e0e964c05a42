package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pcy demo}: the one-command smoke test. Checks readiness, bootstraps (or logs in when that
 * was done before), creates a throwaway agent, sends it a message, waits for the reply and prints
 * it with the model that answered (the offline model when no key is configured).
 */
@Command(
    name = "demo",
    description = {
      "One-command smoke test of the whole stack.",
      "Bootstraps or logs in, creates a throwaway agent, messages it, prints the reply and",
      "which model answered. Exit 0 when the whole path works."
    })
final class DemoCommand extends Base {
  @Mixin AuthCommands.BootstrapTokenOption token;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "How long to wait for the reply (default ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  void run() {
    String bootstrap = token.value(this);
    // Progress is for people: JSON only when asked for, not merely because stdout is a pipe.
    Output o =
        new Output(
            io().out(),
            root().output == Pcy.Format.json,
            io().stdoutTerminal() && !root().noColor && io().env("NO_COLOR") == null);
    Instant deadline = Instant.now().plusSeconds(ScheduleCommand.seconds(timeout));

    Api open = new Api(url(), null, false);
    HttpResponse<String> readiness = open.send("GET", "/ready", null, Map.of());
    JsonNode ready = parseOrNull(readiness.body());
    if (readiness.statusCode() != 200) {
      throw PcyException.failure(url() + " is not ready (pcy status says why)");
    }
    String model = ready == null ? "" : Json.text(ready.path("details"), "model");
    step(o, "server", url() + " is ready");

    boolean bootstrapped = AuthCommands.bootstrapOrLogin(this, bootstrap);
    step(
        o,
        "session",
        bootstrapped ? "bootstrapped a new installation" : "logged in (already bootstrapped)");

    Api api = session();
    String name = "demo-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    JsonNode agent = api.post("/api/agents", Json.object().put("name", name));
    String id = Json.text(agent, "id");
    step(o, "agent", "created " + name + " (" + id + ")");

    String text = "Hello from pcy demo! Who are you, and what can you do?";
    long seq =
        api.post("/api/agents/" + id + "/messages", Json.object().put("content", text))
            .path("seq")
            .asLong();
    step(o, "message", "sent (seq " + seq + "); waiting for the reply …");

    MessageCommand.Reply reply =
        MessageCommand.awaitReply(
            api,
            id,
            seq,
            deadline,
            e -> {
              if (Json.text(e, "event_type").equals("wake_start")) {
                step(o, "wake", "the agent woke up");
              }
            });
    String answeredBy = answeredBy(api, id, reply.wakeId(), model);
    if (o.json()) {
      ObjectNode shown = Json.object();
      shown.put("url", url());
      shown.put("bootstrapped", bootstrapped);
      shown.put("agent_id", id);
      shown.put("agent_name", name);
      shown.put("reply", reply.text());
      shown.put("model", answeredBy);
      shown.put("server_model", model);
      shown.put("termination_reason", reply.reason());
      o.json(shown);
      return;
    }
    step(o, "reply", "wake ended (" + reply.reason() + ")");
    o.line("");
    o.line(reply.text());
    o.line("");
    o.fields(
        Output.pairs(
            "model",
            answeredBy
                + (model.startsWith("offline") ? " (no LLM_API_KEY is set on the server)" : ""),
            "agent",
            name
                + " — pcy events "
                + name
                + " shows its log; pcy agent delete "
                + name
                + " removes it"));
  }

  /**
   * The built-in offline model when the server says so in {@code /ready} (its calls are recorded
   * under the configured model's name), else the model of the wake's call.
   */
  private static String answeredBy(Api api, String agentId, String wakeId, String serverModel) {
    if (serverModel.startsWith("offline")) {
      return "the built-in offline model";
    }
    JsonNode calls =
        api.get("/api/agents/" + agentId + "/model-calls?limit=50").path("model_calls");
    for (JsonNode c : calls) {
      if (Json.text(c, "wake_id").equals(wakeId) && Json.text(c, "purpose").equals("wake")) {
        return Json.text(c, "model");
      }
    }
    return serverModel;
  }

  private void step(Output o, String what, String detail) {
    if (o.json()) {
      return;
    }
    if (io().stdoutTerminal()) {
      o.line(o.green("✓ ") + o.bold(what) + "  " + detail);
    } else {
      o.line(what + ": " + detail);
    }
  }

  private static JsonNode parseOrNull(String body) {
    try {
      return Json.parse(body);
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
