package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openpincery.db.DatabaseUrl;

/** The platform under the mix bench: its sizes, its settings, its agents, its stop. */
final class MixPlatform {

  private MixPlatform() {}

  /**
   * Slots sized so that the model's delay is not the limit: the offered rate times the expected
   * time a wake (two calls) or a pass (one call) holds a slot, doubled for Poisson bursts and a
   * platform slower than the model; the model connections their sum, at most the setting's ceiling
   * (1,024). Each, set in the environment, replaces the choice.
   */
  static Map<String, String> sizes(double perSecond, int delayMillis) {
    Map<String, String> sizes = new HashMap<>();
    int wakes =
        (int) Math.min(4096, Math.max(32, Math.ceil(perSecond * 2 * 2 * delayMillis / 1000.0)));
    int passes = (int) Math.min(4096, Math.max(8, Math.ceil(perSecond * 2 * delayMillis / 1000.0)));
    sizes.put("WAKE_CONCURRENCY", setting("WAKE_CONCURRENCY", wakes));
    sizes.put("MAINTENANCE_CONCURRENCY", setting("MAINTENANCE_CONCURRENCY", passes));
    sizes.put(
        "LLM_MAX_CONNECTIONS", setting("LLM_MAX_CONNECTIONS", Math.min(1024, wakes + passes)));
    sizes.put("DATABASE_POOL_SIZE", setting("DATABASE_POOL_SIZE", 32));
    return sizes;
  }

  static List<String> createAgents(Vertx vertx, int port, String token, int n) throws Exception {
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
    List<Future<String>> created = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String body = new JsonObject().put("name", "mix-" + i).encode();
      created.add(
          client
              .request(MessageBench.authenticatedPost(port, "/api/agents", token))
              .compose(req -> req.send(body))
              .compose(
                  resp ->
                      resp.body()
                          .map(
                              b -> {
                                if (resp.statusCode() != 201) {
                                  throw new IllegalStateException(
                                      "POST /api/agents: " + resp.statusCode() + " " + b);
                                }
                                return b.toJsonObject().getString("id");
                              })));
    }
    Future.all(created).await(10, TimeUnit.MINUTES);
    client.close();
    return created.stream().map(Future::result).toList();
  }

  // SIGTERM (running wakes end with `shutdown`), then SIGKILL if it has not stopped in a minute.
  static void stop(Process platform) throws InterruptedException {
    platform.destroy();
    if (!platform.waitFor(60, TimeUnit.SECONDS)) {
      platform.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String setting(String name, int chosen) {
    String given = System.getenv(name);
    return given == null || given.isBlank() ? Integer.toString(chosen) : given.strip();
  }

  // DATABASE_URL for the platform process (DatabaseUrl.toString hides the password).
  static String postgresUrl(DatabaseUrl url) {
    StringBuilder s = new StringBuilder("postgres://");
    if (url.user() != null) {
      s.append(enc(url.user()));
      if (url.password() != null) {
        s.append(':').append(enc(url.password()));
      }
      s.append('@');
    }
    s.append(url.host()).append(':').append(url.port()).append('/').append(enc(url.database()));
    String sep = "?";
    for (var e : url.params().entrySet()) {
      s.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
      sep = "&";
    }
    return s.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
