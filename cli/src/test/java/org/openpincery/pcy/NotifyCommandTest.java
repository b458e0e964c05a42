package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;

/**
 * {@code pcy notify} against one real standalone stack, whose notification deliverer sends to a
 * local HTTP receiver: subscribe, list, send a test, see it delivered with its attempt, disable,
 * remove.
 */
class NotifyCommandTest {

  @TempDir static Path home;

  private static CliStack stack;
  private static Cli owner;
  private static HttpServer receiver;
  private static final List<String> ids = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    stack = CliStack.start(null);
    owner = new Cli(stack.url(), home.resolve("owner/config.json"));
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          ids.add(exchange.getRequestHeaders().getFirst("webhook-id"));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    stack.close();
  }

  @Test
  void subscribeTestSeeTheDeliveryThenDisableAndRemove() {
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    var added =
        owner.run(
            "notify", "add", url, "--kinds", "wake.failed,chain.broken", "--description", "ops");
    assertThat(added.exit()).as(added.toString()).isZero();
    String id = added.json().get("id").asText();
    assertThat(added.json().get("secret").asText()).startsWith("whsec_");

    var list = owner.run("notify", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.json().get("subscriptions").get(0).get("kinds").toString())
        .isEqualTo("[\"wake.failed\",\"chain.broken\"]");
    assertThat(list.out()).doesNotContain("whsec_");

    var test = owner.run("notify", "test", id);
    assertThat(test.exit()).as(test.toString()).isZero();
    String delivery = test.json().get("delivery_id").asText();
    await().atMost(Duration.ofSeconds(30)).until(() -> ids.contains(delivery));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                owner
                        .run("notify", "deliveries", "--subscription", id, "--status", "delivered")
                        .json()
                        .get("deliveries")
                        .size()
                    == 1);
    JsonNode d =
        owner.run("notify", "deliveries", "--subscription", id).json().get("deliveries").get(0);
    assertThat(d.get("id").asText()).isEqualTo(delivery);
    assertThat(d.get("attempts").get(0).get("http_status").asInt()).isEqualTo(204);

    // Only a failed delivery can be sent again: this one was delivered (409 not_failed).
    var retry = owner.run("notify", "retry", delivery);
    assertThat(retry.exit()).isNotZero();
    assertThat(retry.err()).contains("not_failed");

    assertThat(owner.run("notify", "disable", id).json().get("enabled").asBoolean()).isFalse();
    assertThat(owner.run("notify", "add", "ftp://x", "--kinds", "wake.failed").exit()).isNotZero();
    assertThat(owner.run("notify", "rm", id).exit()).isZero();
    assertThat(owner.run("notify", "list").json().get("subscriptions")).isEmpty();
    assertThat(owner.run("notify", "rm", id).exit()).isNotZero();
  }
}
