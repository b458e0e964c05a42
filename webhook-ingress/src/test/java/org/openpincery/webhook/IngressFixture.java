package org.openpincery.webhook;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/** The webhook route on a real port over a fresh real database, and a client to post to it. */
final class IngressFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final DatabaseUrl url = TestPostgres.freshDatabase();
  final Store store = Store.open(vertx, new DatabaseConfig(url, 8, "webhook-test"));
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final UUID workspace = store.agents().createWorkspace("ws").await();
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpServer server;
  int port;

  IngressFixture serve(Clock clock, Map<String, String> settings) {
    Router router = Router.router(vertx);
    WebhookRoutes.mount(
        router, vertx, store, WebhookConfig.from(Env.of(settings)), registry, clock);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    port = server.actualPort();
    return this;
  }

  UUID agent(String name, String secret) {
    return store.agents().createAgent(workspace, name, secret, null).await();
  }

  HttpResponse<String> post(UUID agent, byte[] body, String... headers) throws Exception {
    return post(http, agent, body, headers);
  }

  /** The same, from another loopback source address (another client, for per-client limits). */
  HttpResponse<String> postFrom(String sourceAddress, UUID agent, byte[] body, String... headers)
      throws Exception {
    try (HttpClient from =
        HttpClient.newBuilder().localAddress(InetAddress.getByName(sourceAddress)).build()) {
      return post(from, agent, body, headers);
    }
  }

  private HttpResponse<String> post(HttpClient client, UUID agent, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/agents/" + agent + "/webhooks"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String hex(String secret, byte[] body) {
    return HexFormat.of()
        .formatHex(SignatureVerifier.hmac(secret.getBytes(StandardCharsets.UTF_8), body));
  }

  List<StoredEvent> webhookEvents(UUID agent) {
    return store.events().pageAfter(agent, 0, 1000).await().stream()
        .filter(e -> e.eventType().equals("webhook_received"))
        .toList();
  }

  long deliveries() throws Exception {
    try (Connection c = TestPostgres.connect(url);
        var rs = c.createStatement().executeQuery("SELECT count(*) FROM webhook_deliveries")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  double counter(String outcome, String reason) {
    var c =
        registry.find("pincery_webhooks").tag("outcome", outcome).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() {
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
  }
}
