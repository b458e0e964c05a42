package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;
import org.openpincery.testkit.TcpProxy;

/**
 * {@code pcy events --follow} through a TCP proxy that the test cuts: the server side of the stream
 * disappears (and new connections are refused) while events keep being written; after the restore,
 * the CLI resumes with Last-Event-ID and prints every event once, in order.
 */
class EventFollowTest {

  // One message to an agent answered by the offline model writes these five events.
  private static final int EVENTS_PER_MESSAGE = 5;

  @TempDir static Path home;

  private static CliStack stack;
  private static TcpProxy proxy;
  private static Cli direct;
  private static Cli proxied;

  @BeforeAll
  static void start() {
    stack = CliStack.start(null);
    proxy = new TcpProxy("127.0.0.1", stack.port());
    Path config = home.resolve("config.json");
    direct = new Cli(stack.url(), config);
    proxied = new Cli("http://127.0.0.1:" + proxy.port(), config);
    assertThat(direct.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN).exit())
        .isZero();
    // The proxy's URL is another server to pcy: it keeps a session for it too.
    assertThat(proxied.run("login", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN).exit()).isZero();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    stack.close();
  }

  @Test
  void followSurvivesAServerSideDisconnectWithoutLosingOrRepeatingEvents() throws Exception {
    assertThat(direct.run("agent", "create", "follower").exit()).isZero();
    ByteArrayOutputStream live = new ByteArrayOutputStream();
    CompletableFuture<Cli.Result> following =
        CompletableFuture.supplyAsync(
            () ->
                proxied.runInto(
                    live,
                    "events",
                    "follower",
                    "--after-seq",
                    "0",
                    "--follow",
                    "--count",
                    Integer.toString(2 * EVENTS_PER_MESSAGE)));
    assertThat(direct.run("message", "follower", "before the cut").exit()).isZero();
    // The follower has printed the first wake's events: it reads the stream (from seq 0).
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> live.toString(StandardCharsets.UTF_8).lines().count() == EVENTS_PER_MESSAGE);

    proxy.cut();
    // While the server cannot be reached, another command says so with exit 5.
    assertThat(proxied.run("agent", "list").exit()).isEqualTo(5);
    assertThat(direct.run("message", "follower", "during the cut").exit()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> seq(direct) >= 2 * EVENTS_PER_MESSAGE);
    assertThat(following).isNotDone();
    proxy.restore();

    await()
        .atMost(Duration.ofSeconds(60))
        .failFast(() -> following.isCompletedExceptionally())
        .until(following::isDone);
    Cli.Result result = following.get();
    assertThat(result.exit()).as(result.toString()).isZero();
    List<Long> seqs = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    for (String line : result.out().strip().split("\n")) {
      JsonNode event = Json.parse(line);
      seqs.add(event.get("seq").asLong());
      contents.add(event.path("content").asText());
    }
    assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(contents).contains("before the cut", "during the cut");
    assertThat(result.err()).contains("reconnecting").contains("resuming after seq");
  }

  @Test
  void aFollowerCannotStartWhenTheServerIsDown() {
    String id = direct.run("agent", "create", "lonely").json().get("id").asText();
    proxy.cut();
    try {
      // By id and from a seq: the first thing pcy does is open the stream.
      var r = proxied.run("events", id, "--after-seq", "0", "--follow");
      assertThat(r.exit()).isEqualTo(5);
      assertThat(r.err()).contains("cannot reach");
    } finally {
      proxy.restore();
    }
  }

  private static long seq(Cli cli) {
    return cli.run("agent", "show", "follower").json().get("event_seq").asLong();
  }
}
