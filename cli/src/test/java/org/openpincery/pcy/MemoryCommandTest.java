package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;

/**
 * {@code pcy memory search} against the whole standalone stack (fresh database, the built-in
 * offline model, embeddings off): messages sent with {@code pcy message} are found by their words
 * and identifiers (filtered to {@code message_received}: the offline model's replies quote them),
 * as JSON and as a table whose snippets (here a webhook's text) cannot carry terminal escapes, with
 * the API's filters and refusals.
 */
class MemoryCommandTest {

  @TempDir static Path home;

  private static CliStack stack;
  private static Cli owner;
  private static long invoiceSeq;
  private static long escapeSeq;

  @BeforeAll
  static void start() throws Exception {
    stack = CliStack.start(null, Map.of("MEMORY_EMBEDDINGS", "off"));
    owner = new Cli(stack.url(), home.resolve("owner/config.json"));
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
    var created = owner.run("agent", "create", "archivist");
    assertThat(created.exit()).as(created.toString()).isZero();
    invoiceSeq = send("The invoice INV-20931 from Acme Corp is overdue; remind finance.");
    send("Deploy the staging cluster on Friday after the freeze lifts.");
    // A person's message may not hold control characters; a webhook's text body may.
    escapeSeq =
        webhook(
            created.json().get("webhook_url").asText(),
            created.json().get("webhook_secret").asText(),
            "Quarterly \u001b[31mreport\u001b[0m\nis due\u009b2J soon");
  }

  /** A signed text/plain delivery (X-Webhook-Signature: HMAC-SHA256 of the body); its seq. */
  private static long webhook(String url, String secret, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header(
                        "X-Webhook-Signature",
                        "sha256=" + HexFormat.of().formatHex(mac.doFinal(bytes)))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return Json.parse(r.body()).get("seq").asLong();
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  private static long send(String text) {
    var r = owner.run("message", "archivist", text);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.json().get("seq").asLong();
  }

  private static List<Long> seqs(JsonNode answer) {
    List<Long> out = new ArrayList<>();
    answer.path("hits").forEach(h -> out.add(h.get("seq").asLong()));
    return out;
  }

  @Test
  void findsAMessageByItsWordsAsTheApisJson() {
    // Only the messages: the offline model's replies quote them (and arrive when they do).
    var r =
        owner.run(
            "memory",
            "search",
            "archivist",
            "overdue",
            "invoice",
            "--mode",
            "text",
            "--type",
            "message_received");
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode answer = r.json();
    assertThat(answer.get("query").asText()).isEqualTo("overdue invoice");
    assertThat(answer.get("mode").asText()).isEqualTo("text");
    assertThat(seqs(answer)).containsExactly(invoiceSeq);
    JsonNode first = answer.get("hits").get(0);
    assertThat(first.get("seq").asLong()).isEqualTo(invoiceSeq);
    assertThat(first.get("event_type").asText()).isEqualTo("message_received");
    assertThat(first.get("snippet").asText()).contains("INV-20931");
  }

  @Test
  void rebuildReDerivesTheIndexAndSaysHowManyEntries() {
    var r = owner.run("-o", "table", "memory", "rebuild", "archivist");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("rebuilt archivist's memory index: ").contains(" entries");
    var json = owner.run("-o", "json", "memory", "rebuild", "archivist");
    assertThat(json.exit()).as(json.toString()).isZero();
    // Its two messages and the webhook at least (the offline model's replies too, as they come).
    assertThat(json.json().get("entries").asLong()).isGreaterThanOrEqualTo(3);
    var found =
        owner.run(
            "memory",
            "search",
            "archivist",
            "INV-20931",
            "--mode",
            "text",
            "--type",
            "message_received");
    assertThat(seqs(found.json())).containsExactly(invoiceSeq);
    var unknown = owner.run("memory", "rebuild", "nobody");
    assertThat(unknown.exit()).as(unknown.toString()).isNotZero();
    assertThat(unknown.err()).contains("nobody");
  }

  @Test
  void printsATableOfHitsAndSaysWhenRankingIsByTextOnly() {
    var r =
        owner.run(
            "-o",
            "table",
            "memory",
            "search",
            "archivist",
            "INV-20931",
            "--type",
            "message_received",
            "--limit",
            "5",
            "--since",
            "1h");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("SEQ").contains("SNIPPET");
    assertThat(r.out())
        .contains("#" + invoiceSeq)
        .contains("message_received")
        .contains("INV-20931");
    // Hybrid by default, and embeddings are off here.
    assertThat(r.err()).contains("ranked by text only");
  }

  @Test
  void aSnippetsControlCharactersNeverReachTheTerminal() {
    var r =
        owner.run(
            "-o",
            "table",
            "memory",
            "search",
            "archivist",
            "quarterly",
            "--mode",
            "text",
            "--type",
            "webhook_received");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("#" + escapeSeq).contains("report");
    assertThat(r.out()).doesNotContain("\u001b").doesNotContain("\u009b");
    // One line per hit: the header and this one.
    assertThat(r.out().strip().lines()).hasSize(2);
  }

  @Test
  void nothingFoundSaysSo() {
    var r = owner.run("-o", "table", "memory", "search", "archivist", "zeppelin", "--mode", "text");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("nothing found for 'zeppelin'");
  }

  @Test
  void badOptionsAreUsageErrorsAndAnUnknownAgentIsNotFound() {
    var mode = owner.run("memory", "search", "archivist", "x", "--mode", "fuzzy");
    assertThat(mode.exit()).as(mode.toString()).isEqualTo(2);
    // Refused by the server (400 invalid_request): a usage error too.
    var limit = owner.run("memory", "search", "archivist", "x", "--limit", "51");
    assertThat(limit.exit()).as(limit.toString()).isEqualTo(2);
    assertThat(limit.err()).contains("limit");
    var type = owner.run("memory", "search", "archivist", "x", "--type", "wake_start");
    assertThat(type.exit()).as(type.toString()).isEqualTo(2);
    var since = owner.run("memory", "search", "archivist", "x", "--since", "last tuesday");
    assertThat(since.exit()).as(since.toString()).isEqualTo(2);
    var noQuery = owner.run("memory", "search", "archivist");
    assertThat(noQuery.exit()).as(noQuery.toString()).isEqualTo(2);
    var unknown = owner.run("memory", "search", "nobody", "x");
    assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(4);
  }
}
