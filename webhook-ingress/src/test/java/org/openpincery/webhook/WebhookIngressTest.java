package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/** Webhook ingress over real HTTP against real PostgreSQL, with HMACs computed by the test. */
class WebhookIngressTest {

  private static final String SECRET = "agent-webhook-secret-0123456789";

  private final Vertx vertx = Vertx.vertx();
  private final DatabaseUrl url = TestPostgres.freshDatabase();
  private final Store store = Store.open(vertx, new DatabaseConfig(url, 8, "webhook-test"));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HttpClient http = HttpClient.newHttpClient();
  private final UUID workspace = store.agents().createWorkspace("ws").await();
  private HttpServer server;

  private int serve(Clock clock, Map<String, String> settings) {
    Router router = Router.router(vertx);
    WebhookRoutes.mount(
        router, vertx, store, WebhookConfig.from(Env.of(settings)), registry, clock);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    return server.actualPort();
  }

  private int serve() {
    return serve(Clock.systemUTC(), Map.of());
  }

  @AfterEach
  void close() {
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
  }

  private UUID agent(String name, String secret) {
    return store.agents().createAgent(workspace, name, secret, null).await();
  }

  private HttpResponse<String> post(int port, UUID agent, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/agents/" + agent + "/webhooks"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String hex(String secret, byte[] body) {
    return HexFormat.of()
        .formatHex(SignatureVerifier.hmac(secret.getBytes(StandardCharsets.UTF_8), body));
  }

  private List<StoredEvent> webhookEvents(UUID agent) {
    return store.events().pageAfter(agent, 0, 1000).await().stream()
        .filter(e -> e.eventType().equals("webhook_received"))
        .toList();
  }

  private long deliveries() throws Exception {
    try (Connection c = TestPostgres.connect(url);
        var rs = c.createStatement().executeQuery("SELECT count(*) FROM webhook_deliveries")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private double counter(String outcome, String reason) {
    var c =
        registry.find("pincery_webhooks").tag("outcome", outcome).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void theOriginalAndTheSeedReadmeHeadersAreAccepted() throws Exception {
    int port = serve();
    UUID agent = agent("hooked", SECRET);
    byte[] body = "{\"source\": \"ci\", \"status\": \"green\"}".getBytes(StandardCharsets.UTF_8);
    var first =
        post(
            port,
            agent,
            body,
            "Content-Type",
            "application/json",
            "X-Webhook-Signature",
            "sha256=" + hex(SECRET, body));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    assertThat(new JsonObject(first.body()).getString("status")).isEqualTo("accepted");

    byte[] text = "deploy finished".getBytes(StandardCharsets.UTF_8);
    var second =
        post(port, agent, text, "Content-Type", "text/plain", "X-Signature", hex(SECRET, text));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(202);

    List<StoredEvent> events = webhookEvents(agent);
    assertThat(events).hasSize(2);
    StoredEvent json = events.get(0);
    assertThat(json.source()).isEqualTo("ci");
    assertThat(json.payload().getJsonObject("body").getString("status")).isEqualTo("green");
    assertThat(json.content()).isNull();
    assertThat(events.get(1).content()).isEqualTo("deploy finished");
    assertThat(events.get(1).source()).startsWith("Java-http-client");
    assertThat(store.agents().find(agent).await().orElseThrow().hasPendingWork()).isTrue();
    assertThat(counter("accepted", "none")).isEqualTo(2);
  }

  @Test
  void githubsPublishedExampleVerifies() throws Exception {
    int port = serve();
    UUID agent = agent("github", "It's a Secret to Everybody");
    var r =
        post(
            port,
            agent,
            "Hello, World!".getBytes(StandardCharsets.UTF_8),
            "X-Hub-Signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "X-GitHub-Delivery",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "X-GitHub-Event",
            "ping",
            "User-Agent",
            "GitHub-Hookshot/044aadd",
            "Content-Type",
            "text/plain");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    StoredEvent e = webhookEvents(agent).getFirst();
    assertThat(e.source()).isEqualTo("GitHub-Hookshot/044aadd");
    assertThat(e.content()).isEqualTo("Hello, World!");
    assertThat(e.payload().getJsonObject("headers").getString("x-github-event")).isEqualTo("ping");
    assertThat(e.payload().getString("delivery_id"))
        .isEqualTo("72d3162e-cc78-11e3-81ab-4c9367dc0958");
  }

  @Test
  void standardWebhooksPublishedExampleVerifiesAtItsTimeAndIsStaleLater() throws Exception {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    String[] headers = {
      "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp", "1614265330",
      "webhook-signature", "v1,bm9ldHJ1ZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      "Content-Type", "application/json"
    };
    int atTheTime =
        serve(Clock.fixed(Instant.ofEpochSecond(1614265330 + 60), ZoneOffset.UTC), Map.of());
    UUID agent = agent("standard", secret);
    var ok = post(atTheTime, agent, body, headers);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(webhookEvents(agent).getFirst().payload().getString("scheme"))
        .isEqualTo("standard-webhooks");
    server.close().await();

    UUID other = agent("standard-later", secret);
    int now = serve();
    long before = deliveries();
    var stale = post(now, other, body, headers);
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(new JsonObject(stale.body()).getJsonObject("error").getString("code"))
        .isEqualTo("stale_timestamp");
    assertThat(webhookEvents(other)).isEmpty();
    assertThat(deliveries()).isEqualTo(before);
  }

  @Test
  void badDeliveriesAreRefusedWithNothingWritten() throws Exception {
    int port = serve();
    UUID agent = agent("guarded", SECRET);
    byte[] body = "{\"n\": 1}".getBytes(StandardCharsets.UTF_8);
    String good = "sha256=" + hex(SECRET, body);
    byte[] tampered = "{\"n\": 2}".getBytes(StandardCharsets.UTF_8);
    List<HttpResponse<String>> refused =
        List.of(
            post(port, agent, tampered, "X-Webhook-Signature", good),
            post(
                port,
                agent,
                body,
                "X-Webhook-Signature",
                "sha256=" + hex("wrong-secret-000000", body)),
            post(port, agent, body),
            post(port, agent, body, "X-Webhook-Signature", "sha256=zz-not-hex"));
    for (var r : refused) {
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
          .isEqualTo("invalid_signature");
    }
    assertThat(webhookEvents(agent)).isEmpty();
    assertThat(deliveries()).isZero();
    assertThat(counter("rejected", "bad_signature")).isEqualTo(4);

    // A replay of an accepted delivery is a duplicate and writes nothing more.
    var first = post(port, agent, body, "X-Webhook-Signature", good, "X-Idempotency-Key", "d-1");
    var replay = post(port, agent, body, "X-Webhook-Signature", good, "X-Idempotency-Key", "d-1");
    var sameBodyNoKey = post(port, agent, body, "X-Webhook-Signature", good);
    var sameBodyAgain = post(port, agent, body, "X-Webhook-Signature", good);
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(replay.body()).getString("status")).isEqualTo("duplicate");
    assertThat(sameBodyNoKey.statusCode()).isEqualTo(202);
    assertThat(sameBodyAgain.statusCode()).isEqualTo(200);
    assertThat(webhookEvents(agent)).hasSize(2);
    assertThat(deliveries()).isEqualTo(2);
    assertThat(counter("duplicate", "none")).isEqualTo(2);
  }

  @Test
  void duringRotationGraceBothSecretsVerifyAndAfterItOnlyTheNewOne() throws Exception {
    // Without the key cache, the end of the grace period applies at once (with it, within its TTL).
    int port = serve(Clock.systemUTC(), Map.of("OPEN_PINCERY_WEBHOOK_KEY_CACHE_SECONDS", "0"));
    UUID agent = agent("rotating", SECRET);
    String next = "the-next-webhook-secret-abcdef";
    store.agents().rotateWebhookSecret(workspace, agent, next, Duration.ofHours(1)).await();
    byte[] a = "a".getBytes(StandardCharsets.UTF_8);
    byte[] b = "b".getBytes(StandardCharsets.UTF_8);
    assertThat(post(port, agent, a, "X-Signature", hex(SECRET, a)).statusCode()).isEqualTo(202);
    assertThat(post(port, agent, b, "X-Signature", hex(next, b)).statusCode()).isEqualTo(202);

    try (Connection c = TestPostgres.connect(url)) {
      c.createStatement()
          .executeUpdate(
              "UPDATE agents SET webhook_secret_previous_expires_at = now() - interval '1 second'"
                  + " WHERE id = '"
                  + agent
                  + "'");
    }
    byte[] c2 = "c".getBytes(StandardCharsets.UTF_8);
    assertThat(post(port, agent, c2, "X-Signature", hex(SECRET, c2)).statusCode()).isEqualTo(401);
    assertThat(post(port, agent, c2, "X-Signature", hex(next, c2)).statusCode()).isEqualTo(202);
  }

  @Test
  void aSecretRotatedAMomentAgoVerifiesDespiteTheKeyCache() throws Exception {
    int port = serve(Clock.systemUTC(), Map.of("OPEN_PINCERY_WEBHOOK_KEY_CACHE_SECONDS", "300"));
    UUID agent = agent("cached", SECRET);
    byte[] a = "before".getBytes(StandardCharsets.UTF_8);
    assertThat(post(port, agent, a, "X-Signature", hex(SECRET, a)).statusCode()).isEqualTo(202);
    String next = "rotated-just-now-0123456789";
    store.agents().rotateWebhookSecret(workspace, agent, next, Duration.ofHours(1)).await();
    byte[] b = "after".getBytes(StandardCharsets.UTF_8);
    assertThat(post(port, agent, b, "X-Signature", hex(next, b)).statusCode()).isEqualTo(202);
    assertThat(webhookEvents(agent)).hasSize(2);
  }

  @Test
  void concurrentCopiesOfOneDeliveryAreKeptOnceAndDistinctOnesAllKept() throws Exception {
    int port = serve();
    UUID agent = agent("popular", SECRET);
    byte[] body = "{\"event\": \"push\"}".getBytes(StandardCharsets.UTF_8);
    String signature = "sha256=" + hex(SECRET, body);
    for (int round = 0; round < 3; round++) {
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> copies =
          new java.util.ArrayList<>();
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> distinct =
          new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        copies.add(send(port, agent, body, signature, "same-" + round));
        distinct.add(send(port, agent, body, signature, "own-" + round + "-" + i));
      }
      List<Integer> copyStatuses = copies.stream().map(f -> f.join().statusCode()).toList();
      assertThat(copyStatuses).filteredOn(c -> c == 202).hasSize(1);
      assertThat(copyStatuses).filteredOn(c -> c == 200).hasSize(39);
      assertThat(distinct.stream().map(f -> f.join().statusCode())).containsOnly(202);
      assertThat(webhookEvents(agent)).hasSize(41 * (round + 1));
    }
    assertThat(store.events().verifyChain(agent).await())
        .isInstanceOf(org.openpincery.store.ChainVerification.Valid.class);
  }

  private java.util.concurrent.CompletableFuture<HttpResponse<String>> send(
      int port, UUID agent, byte[] body, String signature, String key) {
    return http.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/agents/" + agent + "/webhooks"))
            .header("Content-Type", "application/json")
            .header("X-Webhook-Signature", signature)
            .header("X-Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRefusalSaysNothingAboutTheAgent() throws Exception {
    int port = serve();
    UUID live = agent("live", SECRET);
    UUID disabled = agent("disabled", SECRET);
    store.agents().setEnabled(disabled, false, "paused").await();
    UUID deleted = agent("deleted", SECRET);
    store.agents().delete(workspace, deleted).await();
    byte[] body = "x".getBytes(StandardCharsets.UTF_8);
    String wrong = "sha256=" + hex("not-the-secret-0000000", body);
    var answers =
        List.of(
            post(port, live, body, "X-Webhook-Signature", wrong),
            post(port, disabled, body, "X-Webhook-Signature", wrong),
            post(port, deleted, body, "X-Webhook-Signature", wrong),
            post(port, UUID.randomUUID(), body, "X-Webhook-Signature", wrong));
    assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(401);
    assertThat(answers).extracting(HttpResponse::body).containsOnly(answers.getFirst().body());
    // Even the right secret does not reach a deleted agent.
    var toDeleted = post(port, deleted, body, "X-Webhook-Signature", "sha256=" + hex(SECRET, body));
    assertThat(toDeleted.statusCode()).isEqualTo(401);
    assertThat(toDeleted.body()).isEqualTo(answers.getFirst().body());
  }

  @Test
  void oversizedBodiesAndBurstsBeyondTheAgentsRateAreRefused() throws Exception {
    int port =
        serve(
            Clock.systemUTC(),
            Map.of(
                "OPEN_PINCERY_WEBHOOK_MAX_BODY_BYTES", "1024",
                "OPEN_PINCERY_WEBHOOK_RATE_LIMIT", "3"));
    UUID agent = agent("limited", SECRET);
    byte[] big = new byte[2048];
    var tooBig = post(port, agent, big, "X-Signature", hex(SECRET, big));
    assertThat(tooBig.statusCode()).isEqualTo(413);
    for (int i = 0; i < 2; i++) {
      byte[] b = ("n" + i).getBytes(StandardCharsets.UTF_8);
      assertThat(post(port, agent, b, "X-Signature", hex(SECRET, b)).statusCode()).isEqualTo(202);
    }
    byte[] b = "over".getBytes(StandardCharsets.UTF_8);
    var limited = post(port, agent, b, "X-Signature", hex(SECRET, b));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
    assertThat(webhookEvents(agent)).hasSize(2);
  }
}
