package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.NodeTools;

/**
 * Deliveries signed by the senders' own libraries (npm {@code svix} 2.5.0, {@code standardwebhooks}
 * 1.1.1, {@code @octokit/webhooks-methods} 6.0.0, pinned in src/test/node/package-lock.json), run
 * as a real Node process, posted to the running ingress. Needs {@code node} and {@code npm}
 * (Debian: {@code apt-get install nodejs npm}) and, the first time, the npm registry.
 */
class RealSignersTest {

  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  private static Path signers;

  private final IngressFixture fx = new IngressFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  /** npm ci, once per JVM, into target/webhook-signers (the sources stay clean). */
  private static synchronized Path signers() throws Exception {
    if (signers == null) {
      signers =
          NodeTools.install(
              Path.of("src/test/node").toAbsolutePath(),
              Path.of("target/webhook-signers").toAbsolutePath(),
              List.of("package.json", "package-lock.json", "sign.mjs"));
    }
    return signers;
  }

  /** The headers each library would send for this delivery. */
  private static JsonObject sign(String secret, String body, String id, long timestamp)
      throws Exception {
    String input =
        new JsonObject()
            .put("secret", secret)
            .put("body", body)
            .put("id", id)
            .put("timestamp", timestamp)
            .encode();
    NodeTools.Result r = NodeTools.run(signers(), input, 60, "node", "sign.mjs");
    assertThat(r.exit()).as("node sign.mjs: %s", r.err()).isZero();
    return new JsonObject(r.out());
  }

  private HttpResponse<String> post(UUID agent, String body, JsonObject headers) throws Exception {
    List<String> h = new ArrayList<>(List.of("Content-Type", "application/json"));
    headers.forEach(e -> h.addAll(List.of(e.getKey(), (String) e.getValue())));
    return fx.post(agent, body.getBytes(StandardCharsets.UTF_8), h.toArray(String[]::new));
  }

  private static String status(HttpResponse<String> r) {
    JsonObject o = new JsonObject(r.body());
    return o.containsKey("status")
        ? o.getString("status")
        : o.getJsonObject("error").getString("code");
  }

  @Test
  void eachLibrarysDeliveryIsAcceptedOnceAndATamperedOneRefused() throws Exception {
    fx.serve(Clock.systemUTC(), Map.of());
    long now = Instant.now().getEpochSecond();
    String body = "{\"type\": \"invoice.paid\", \"amount\": 4200, \"note\": \"caf\u00e9 \u2615\"}";
    String tampered = body.replace("4200", "1");
    JsonObject signed = sign(SECRET, body, "msg_real_1", now);

    for (String library : List.of("svix", "standardwebhooks", "octokit")) {
      UUID agent = fx.agent(library, SECRET);
      JsonObject headers = signed.getJsonObject(library);
      var first = post(agent, body, headers);
      assertThat(first.statusCode()).as("%s: %s", library, first.body()).isEqualTo(202);
      var again = post(agent, body, headers);
      assertThat(again.statusCode()).as(library).isEqualTo(200);
      assertThat(status(again)).isEqualTo("duplicate");
      var forged = post(agent, tampered, headers);
      assertThat(forged.statusCode()).as(library).isEqualTo(401);
      assertThat(status(forged)).isEqualTo("invalid_signature");
      assertThat(fx.webhookEvents(agent)).as(library).hasSize(1);
      assertThat(
              fx.webhookEvents(agent)
                  .getFirst()
                  .payload()
                  .getJsonObject("body")
                  .getInteger("amount"))
          .isEqualTo(4200);
    }
  }

  @Test
  void theAgentsGeneratedHexSecretGivenToTheLibrariesAsItIsVerifies() throws Exception {
    fx.serve(Clock.systemUTC(), Map.of());
    // The shape the gateway generates: 64 hex characters, no whsec_ prefix. The Standard Webhooks
    // and Svix libraries read it as base64; GitHub's uses its bytes.
    String generated = "3f1c9a0b7e2d4c6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f";
    String body = "{\"deploy\": \"done\"}";
    JsonObject signed = sign(generated, body, "msg_hex", Instant.now().getEpochSecond());
    for (String library : List.of("svix", "standardwebhooks", "octokit")) {
      UUID agent = fx.agent("hex-" + library, generated);
      var r = post(agent, body, signed.getJsonObject(library));
      assertThat(r.statusCode()).as("%s: %s", library, r.body()).isEqualTo(202);
    }
  }

  @Test
  void aSvixAndAStandardWebhooksDeliveryOfOneMessageAreOneDelivery() throws Exception {
    fx.serve(Clock.systemUTC(), Map.of());
    UUID agent = fx.agent("both", SECRET);
    String body = "{\"event\": \"user.created\"}";
    JsonObject signed = sign(SECRET, body, "msg_shared", Instant.now().getEpochSecond());
    assertThat(post(agent, body, signed.getJsonObject("svix")).statusCode()).isEqualTo(202);
    var asStandard = post(agent, body, signed.getJsonObject("standardwebhooks"));
    assertThat(asStandard.statusCode()).isEqualTo(200);
    assertThat(status(asStandard)).isEqualTo("duplicate");
  }

  @Test
  void aLibrarysDeliveryFromAnHourAgoIsStale() throws Exception {
    fx.serve(Clock.systemUTC(), Map.of());
    UUID agent = fx.agent("late", SECRET);
    String body = "{\"late\": true}";
    JsonObject signed = sign(SECRET, body, "msg_late", Instant.now().getEpochSecond() - 3600);
    for (String library : List.of("svix", "standardwebhooks")) {
      var r = post(agent, body, signed.getJsonObject(library));
      assertThat(r.statusCode()).as(library).isEqualTo(409);
      assertThat(status(r)).isEqualTo("stale_timestamp");
    }
    assertThat(fx.webhookEvents(agent)).isEmpty();
  }
}
