package org.openpincery.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.testkit.TcpProxy;
import org.openpincery.testkit.TestPostgres;

/**
 * A real gateway on a real port over a fresh, migrated database, with a real HTTP client. Limits
 * are raised out of the way unless a test sets them.
 */
final class GatewayFixture implements AutoCloseable {

  static final String BOOTSTRAP_TOKEN = "test-bootstrap-token-0123456789";

  final Vertx vertx;
  final DatabaseUrl url;
  final Store store;
  final NotificationListener listener;
  final GatewayConfig config;
  final GatewayMetrics metrics;
  final GatewayVerticle verticle;
  final int port;
  // Between the gateway and PostgreSQL when a test cuts the database off; else null.
  final TcpProxy proxy;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  GatewayFixture() {
    this(Map.of());
  }

  GatewayFixture(Map<String, String> settings) {
    this(settings, GatewayMetrics.discarding());
  }

  GatewayFixture(Map<String, String> settings, GatewayMetrics metrics) {
    this(settings, metrics, Vertx.vertx());
  }

  GatewayFixture(Map<String, String> settings, GatewayMetrics metrics, Vertx vertx) {
    this(settings, metrics, vertx, false, null);
  }

  /** A gateway whose every database connection goes through a {@link TcpProxy} the test cuts. */
  static GatewayFixture throughProxy(Map<String, String> settings) {
    return new GatewayFixture(settings, GatewayMetrics.discarding(), Vertx.vertx(), true, null);
  }

  /** A second gateway process (its own Vert.x, pool and listener) on {@code other}'s database. */
  static GatewayFixture besides(GatewayFixture other, Map<String, String> settings) {
    return new GatewayFixture(
        settings, GatewayMetrics.discarding(), Vertx.vertx(), false, other.url);
  }

  private GatewayFixture(
      Map<String, String> settings,
      GatewayMetrics metrics,
      Vertx vertx,
      boolean throughProxy,
      DatabaseUrl database) {
    this.vertx = vertx;
    this.url = database != null ? database : TestPostgres.freshDatabase();
    this.proxy = throughProxy ? new TcpProxy(url.host(), url.port()) : null;
    DatabaseUrl served =
        proxy == null
            ? url
            : DatabaseUrl.of("127.0.0.1", proxy.port(), url.database(), url.user(), url.password());
    Map<String, String> env = new HashMap<>();
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP_TOKEN);
    env.put("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "1000000");
    env.put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "10000000");
    env.putAll(settings);
    this.config = GatewayConfig.from(Env.of(env), "127.0.0.1").withPort(0);
    this.metrics = metrics;
    this.store = Store.open(vertx, new DatabaseConfig(served, 8, "gateway-test"));
    this.listener =
        new NotificationListener(
            vertx,
            Database.connectOptions(served, "gateway-test-listen"),
            Set.of(Channel.EVENTS, Channel.SESSIONS),
            v -> vertx.eventBus().publish(Channel.EVENTS.address(), EventStream.RESYNC));
    listener.start().await();
    this.verticle =
        new GatewayVerticle(
            config,
            vx ->
                ApiRouter.create(
                    vx,
                    store,
                    config,
                    metrics,
                    Map.of("notification_listener", listener::connected)));
    vertx.deployVerticle(verticle).await();
    this.port = verticle.actualPort();
  }

  record Response(int status, java.net.http.HttpHeaders headers, String text) {
    JsonObject json() {
      return new JsonObject(text);
    }

    String errorCode() {
      return json().getJsonObject("error").getString("code");
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  Response call(String method, String path, String token, String body) {
    return call(method, path, token, body, Map.of());
  }

  Response call(
      String method, String path, String token, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null && !headers.containsKey("Content-Type")) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Bootstraps and returns the admin's session token. */
  String bootstrap() {
    Response r =
        call(
            "POST",
            "/api/bootstrap",
            BOOTSTRAP_TOKEN,
            "{\"email\":\"admin@example.com\",\"name\":\"Admin\"}");
    if (r.status() != 201) {
      throw new IllegalStateException("bootstrap: " + r.status() + " " + r.text());
    }
    return r.json().getString("session_token");
  }

  String createAgent(String token, String name) {
    Response r = call("POST", "/api/agents", token, new JsonObject().put("name", name).encode());
    if (r.status() != 201) {
      throw new IllegalStateException("create agent: " + r.status() + " " + r.text());
    }
    return r.json().getString("id");
  }

  long count(String sql) throws Exception {
    try (var c = TestPostgres.connect(url);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  void execute(String sql) throws Exception {
    try (var c = TestPostgres.connect(url);
        var st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  public void close() {
    vertx.undeploy(verticle.deploymentID()).otherwiseEmpty().await();
    listener.stop().otherwiseEmpty().await();
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
    if (proxy != null) {
      proxy.close();
    }
  }
}
