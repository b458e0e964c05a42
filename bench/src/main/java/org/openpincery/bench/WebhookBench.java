package org.openpincery.bench;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed {@code POST /api/agents/:id/webhooks} against the standalone stack (its own process,
 * embedded PostgreSQL, fsync on), driven by wrk: every request carries a valid HMAC and a fresh
 * {@code X-Idempotency-Key}, so each 202 is a verified, durable, deduplicated delivery. The agents
 * are disabled for the run, so that their wakes do not compete with ingress for the two cores (a
 * delivery to a disabled agent is stored and waits). Afterwards every 202 is checked against the
 * durable {@code webhook_received} rows.
 *
 * <p>Usage: {@code ./pincery bench webhooks [seconds] [connections] [agents]} (needs wrk)
 */
public final class WebhookBench {

  private static final String BOOTSTRAP = MessageBench.BOOTSTRAP;
  private static final String BODY = "{\"source\":\"bench\",\"event\":\"push\",\"n\":1}";

  private WebhookBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int connections = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int agentCount = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    if (!MessageBench.onPath("wrk")) {
      throw new IllegalStateException("needs wrk (Debian package wrk)");
    }
    Path jar = Path.of("standalone/target/standalone.jar");
    Path data = Files.createTempDirectory("pincery-webhook-bench");
    int port = MessageBench.freePort();
    int pgPort = MessageBench.freePort();
    Process server = MessageBench.startStandalone(jar, data, port, pgPort);
    try {
      var http = java.net.http.HttpClient.newHttpClient();
      MessageBench.waitReady(http, port, server);
      String token =
          new JsonObject(MessageBench.post(http, port, "/api/bootstrap", BOOTSTRAP, "{}"))
              .getString("session_token");
      List<String> ids = new ArrayList<>();
      List<String> signatures = new ArrayList<>();
      for (int i = 0; i < agentCount; i++) {
        JsonObject agent =
            new JsonObject(
                MessageBench.post(
                    http, port, "/api/agents", token, "{\"name\":\"hook-" + i + "\"}"));
        ids.add(agent.getString("id"));
        signatures.add(sign(agent.getString("webhook_secret")));
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/agents/" + agent.getString("id")))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"is_enabled\":false}"))
                .build(),
            HttpResponse.BodyHandlers.discarding());
      }
      Path script = script(ids, signatures);
      MessageBench.wrk(script, port, connections, 3, false); // warm-up
      long before = MessageBench.countEvents(pgPort, "webhook_received");
      MessageBench.WrkResult w = MessageBench.wrk(script, port, connections, seconds, true);
      Files.deleteIfExists(script);
      long durable = MessageBench.countEvents(pgPort, "webhook_received") - before;
      System.out.printf(
          Locale.ROOT,
          "POST /api/agents/:id/webhooks (X-Webhook-Signature, unique X-Idempotency-Key), %d"
              + " connections, %d agents, %d s, standalone (embedded PostgreSQL, fsync on)%n%s%n"
              + "durable webhook_received rows written during the run: %d for %d accepted (%s)%n",
          connections,
          agentCount,
          seconds,
          w.report(),
          durable,
          w.accepted(),
          durable >= w.accepted() && durable <= w.accepted() + connections
              ? "every 202 is a durable event"
              : "MISMATCH");
    } finally {
      server.destroy();
      server.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private static String sign(String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(BODY.getBytes(StandardCharsets.UTF_8)));
  }

  // Each wrk thread numbers its requests; start time + thread id + counter make every delivery id
  // unique, across the warm-up and the measured run too.
  private static Path script(List<String> ids, List<String> signatures) throws Exception {
    Path script = Files.createTempFile("pincery-webhooks", ".lua");
    StringBuilder a = new StringBuilder();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < ids.size(); i++) {
      a.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
      s.append(i == 0 ? "" : ",").append('"').append(signatures.get(i)).append('"');
    }
    Files.writeString(
        script,
        "local ids = {"
            + a
            + "}\nlocal sigs = {"
            + s
            + "}\n"
            + "local threads = 0\n"
            + "function setup(thread) threads = threads + 1; thread:set(\"tid\", threads) end\n"
            + "local tid = 0\nlocal n = 0\n"
            + "function init(args) tid = os.time() .. \"-\" .. wrk.thread:get(\"tid\") end\n"
            + "wrk.method = \"POST\"\n"
            + "wrk.body = '"
            + BODY
            + "'\n"
            + "request = function()\n  n = n + 1\n  local i = (n % #ids) + 1\n"
            + "  return wrk.format(nil, \"/api/agents/\" .. ids[i] .. \"/webhooks\","
            + " {[\"Content-Type\"] = \"application/json\", [\"X-Webhook-Signature\"] = sigs[i],"
            + " [\"X-Idempotency-Key\"] = tid .. \"-\" .. n})\nend\n");
    return script;
  }
}
