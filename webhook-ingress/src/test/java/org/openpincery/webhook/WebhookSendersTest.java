package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.model.StoredEvent;

/**
 * Standard Webhooks as Svix sends it ({@code svix-*} headers) and timestamps a sender may get
 * wrong, over real HTTP against real PostgreSQL. The signatures here are computed by the test;
 * RealSignersTest signs with the senders' own libraries.
 */
class WebhookSendersTest {

  // Standard Webhooks' published example secret.
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final long NOW = 1_780_000_000L;

  private final IngressFixture fx = new IngressFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  private IngressFixture serve() {
    return fx.serve(Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC), Map.of());
  }

  private static String sign(String secret, String id, String timestamp, byte[] body) {
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    return "v1," + Base64.getEncoder().encodeToString(SignatureVerifier.hmac(key, signed));
  }

  private static String code(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  @Test
  void svixHeaderNamesVerifyAndShareTheWebhookIdDedupKey() throws Exception {
    serve();
    UUID agent = fx.agent("svix", SECRET);
    byte[] body = "{\"type\": \"invoice.paid\"}".getBytes(StandardCharsets.UTF_8);
    String ts = Long.toString(NOW - 30);
    String sig = sign(SECRET, "msg_svix_1", ts, body);

    var first =
        fx.post(
            agent,
            body,
            "Content-Type",
            "application/json",
            "svix-id",
            "msg_svix_1",
            "svix-timestamp",
            ts,
            "svix-signature",
            sig);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    StoredEvent e = fx.webhookEvents(agent).getFirst();
    assertThat(e.payload().getString("scheme")).isEqualTo("svix");
    assertThat(e.payload().getString("delivery_id")).isEqualTo("msg_svix_1");
    assertThat(e.payload().getJsonObject("headers").getString("svix-id")).isEqualTo("msg_svix_1");
    assertThat(e.payload().getJsonObject("headers").getString("svix-timestamp")).isEqualTo(ts);

    var again =
        fx.post(agent, body, "svix-id", "msg_svix_1", "svix-timestamp", ts, "svix-signature", sig);
    var underStandardNames =
        fx.post(
            agent,
            body,
            "webhook-id",
            "msg_svix_1",
            "webhook-timestamp",
            ts,
            "webhook-signature",
            sig);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(underStandardNames.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(underStandardNames.body()).getString("status"))
        .isEqualTo("duplicate");
    assertThat(fx.webhookEvents(agent)).hasSize(1);

    byte[] tampered = "{\"type\": \"invoice.void\"}".getBytes(StandardCharsets.UTF_8);
    var forged =
        fx.post(
            agent, tampered, "svix-id", "msg_svix_2", "svix-timestamp", ts, "svix-signature", sig);
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(code(forged)).isEqualTo("invalid_signature");

    String old = Long.toString(NOW - 3600);
    var stale =
        fx.post(
            agent,
            body,
            "svix-id",
            "msg_svix_3",
            "svix-timestamp",
            old,
            "svix-signature",
            sign(SECRET, "msg_svix_3", old, body));
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(code(stale)).isEqualTo("stale_timestamp");
    assertThat(fx.webhookEvents(agent)).hasSize(1);
  }

  @Test
  void anUnreadableTimestampIs400BeforeAnyLookupUnderEitherName() throws Exception {
    serve();
    UUID agent = fx.agent("clocks", SECRET);
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    List<UUID> targets = List.of(agent, UUID.randomUUID());
    for (String ts :
        List.of("soon", "1.5", "1e9", "0x6a", "+1780000000", "17800 00000", "NaN", "-")) {
      for (String prefix : List.of("webhook-", "svix-")) {
        for (UUID target : targets) {
          var r =
              fx.post(
                  target,
                  body,
                  prefix + "id",
                  "msg_t",
                  prefix + "timestamp",
                  ts,
                  prefix + "signature",
                  sign(SECRET, "msg_t", ts, body));
          assertThat(r.statusCode()).as("%s%s = %s", prefix, "timestamp", ts).isEqualTo(400);
          assertThat(code(r)).isEqualTo("invalid_timestamp");
          assertThat(r.body()).as("the same answer whoever it is for").contains("whole seconds");
        }
      }
    }
    assertThat(fx.webhookEvents(agent)).isEmpty();
    assertThat(fx.deliveries()).isZero();

    // With the database gone a lookup could only fail (500): the 400 comes before any.
    fx.store.closeAsync().await();
    var noLookup =
        fx.post(
            UUID.randomUUID(),
            body,
            "svix-id",
            "msg_t",
            "svix-timestamp",
            "later",
            "svix-signature",
            sign(SECRET, "msg_t", "later", body));
    assertThat(noLookup.statusCode()).isEqualTo(400);
  }

  @Test
  void aHugeOrNegativeTimestampIsStaleNeverAServerError() throws Exception {
    serve();
    UUID agent = fx.agent("far", SECRET);
    byte[] body = "{\"n\": 1}".getBytes(StandardCharsets.UTF_8);
    List<String> farAway =
        List.of(
            "99999999999999999999",
            "-99999999999999999999",
            Long.toString(Long.MAX_VALUE),
            Long.toString(Long.MIN_VALUE),
            "31556889864403200", // one past Instant.MAX
            Long.toString(NOW * 1000), // milliseconds by mistake
            "0",
            "-1");
    for (String ts : farAway) {
      var signed =
          fx.post(
              agent,
              body,
              "webhook-id",
              "msg_far",
              "webhook-timestamp",
              ts,
              "webhook-signature",
              sign(SECRET, "msg_far", ts, body));
      assertThat(signed.statusCode())
          .as("signed, timestamp %s: %s", ts, signed.body())
          .isEqualTo(409);
      assertThat(code(signed)).isEqualTo("stale_timestamp");
      var wrong =
          fx.post(
              agent,
              body,
              "webhook-id",
              "msg_far",
              "webhook-timestamp",
              ts,
              "webhook-signature",
              sign(
                  "whsec_" + Base64.getEncoder().encodeToString(new byte[24]),
                  "msg_far",
                  ts,
                  body));
      assertThat(wrong.statusCode()).as("wrongly signed, timestamp %s", ts).isEqualTo(401);
    }
    assertThat(fx.webhookEvents(agent)).isEmpty();

    // Leading zeros are still the same second.
    String padded = "0000000000000" + NOW;
    var ok =
        fx.post(
            agent,
            body,
            "webhook-id",
            "msg_padded",
            "webhook-timestamp",
            padded,
            "webhook-signature",
            sign(SECRET, "msg_padded", padded, body));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
  }
}
