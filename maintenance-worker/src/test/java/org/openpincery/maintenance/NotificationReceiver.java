package org.openpincery.maintenance;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.openpincery.testkit.NodeTools;

/**
 * A real Standard Webhooks receiver ({@code src/test/node/receiver.mjs}): a Node process that
 * verifies each notification with the npm {@code standardwebhooks} library and records it, on a
 * loopback port, for as long as the test holds it.
 */
final class NotificationReceiver implements AutoCloseable {

  private static Path installed;
  private final NodeTools.Server server;
  private final int port;
  private final HttpClient client = HttpClient.newHttpClient();

  /** Starts on {@code port} (0: any free one). */
  NotificationReceiver(int port) throws Exception {
    server = NodeTools.Server.start(install(), "receiver.mjs", Integer.toString(port));
    this.port = server.announced().getInteger("port");
  }

  private static synchronized Path install() throws Exception {
    if (installed == null) {
      installed =
          NodeTools.install(
              Path.of("src/test/node").toAbsolutePath(),
              Path.of("target/notification-receiver").toAbsolutePath(),
              List.of("package.json", "package-lock.json", "receiver.mjs"));
    }
    return installed;
  }

  /** The URL of a path on this receiver. */
  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Sets how {@code path} answers: {@code ok}, {@code fail} (500) or {@code hang}. */
  void setUp(String path, String secret, String mode, int delayMs) throws Exception {
    JsonObject body = new JsonObject().put("path", path).put("mode", mode).put("delay_ms", delayMs);
    if (secret != null) {
      body.put("secret", secret);
    }
    post("/__control/path", body);
  }

  void mode(String path, String mode) throws Exception {
    post("/__control/path", new JsonObject().put("path", path).put("mode", mode));
  }

  private void post(String controlPath, JsonObject body) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(url(controlPath)))
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(controlPath + ": " + r.statusCode() + " " + r.body());
    }
  }

  JsonObject log() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(url("/__control/log"))).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  /** The notifications {@code path} accepted (verified, answered 2xx), in arrival order. */
  List<JsonObject> received(String path) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    JsonArray all = log().getJsonArray("received");
    for (int i = 0; i < all.size(); i++) {
      if (all.getJsonObject(i).getString("path").equals(path)) {
        out.add(all.getJsonObject(i));
      }
    }
    return out;
  }

  /** Requests whose signature the library refused. */
  JsonArray rejected() throws Exception {
    return log().getJsonArray("rejected");
  }

  /** The most requests {@code path} ever had in flight at once. */
  int maxInFlight(String path) throws Exception {
    return log().getJsonObject("max_in_flight").getInteger(path, 0);
  }

  /** Every request {@code path} got (answered or not). */
  int requests(String path) throws Exception {
    return log().getJsonObject("requests").getInteger(path, 0);
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
