package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.TestPostgres;
import org.openqa.selenium.Keys;
import org.openqa.selenium.support.ui.Select;

/**
 * The agent page's memory search box in real headless Chromium against the whole standalone stack
 * (the offline model): with embeddings off, an operator finds a message by its words and by an
 * identifier, sees its seq, type, time and snippet, and the page says ranking was by words only;
 * with embeddings on (the memory indexer embeds the entries), a search by meaning shows a snippet
 * that carries markup as text. Screenshots: {@code target/ui-screenshots/memory-*.png}.
 */
class MemoryControlPlaneBrowserTest {

  private static final String BOOTSTRAP = "memory-browser-bootstrap-token-0042";

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private final HttpClient http = HttpClient.newHttpClient();
  private Standalone app;
  private Chromium browser;
  private String token;

  @BeforeEach
  void checkBrowser() {
    assertThat(Chromium.BINARY).as("Debian's chromium").isExecutable();
  }

  /** The stack with {@code MEMORY_EMBEDDINGS} on or off, a browser, an agent: its id. */
  private String start(String embeddings) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("MEMORY_EMBEDDINGS", embeddings);
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    browser = new Chromium(work.resolve("browser"), port);
    browser.open("");
    browser.type("#login-token", BOOTSTRAP);
    browser.click("#login-submit");
    browser.visible("#agents-table");
    token = browser.sessionToken();
    var agent =
        ApiCalls.send(
            http, port, "POST", "/api/agents", token, new JsonObject().put("name", "archivist"));
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    return agent.json().getString("id");
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.screenshot(Path.of("target", "ui-screenshots", "memory-last.png"));
      browser.close();
    }
    if (app != null) {
      app.stop();
    }
  }

  private long message(String agentId, String text) throws Exception {
    var r =
        ApiCalls.send(
            http,
            port,
            "POST",
            "/api/agents/" + agentId + "/messages",
            token,
            new JsonObject().put("content", text));
    assertThat(r.status()).as(r.body()).isEqualTo(202);
    return r.json().getLong("seq");
  }

  @Test
  void anOperatorFindsAMessageByItsWordsAndSeesItsSeqTypeTimeAndSnippet() throws Exception {
    String agentId = start("off");
    // Long enough that its snippet is a fragment: the whole event is one click away.
    String invoiceText =
        "The invoice INV-20931 from Acme Corp is overdue; remind finance. "
            + "Filler words about nothing in particular keep this message going for a while. "
                .repeat(6)
            + "PS: the auditor arrives on Tuesday.";
    long invoice = message(agentId, invoiceText);
    message(agentId, "Deploy the staging cluster on Friday after the freeze lifts.");

    browser.open("#/agents/" + agentId);
    browser.visible("#memory-search-card");
    new Select(browser.visible("#memory-mode")).selectByValue("text");
    browser.type("#memory-query", "overdue invoice");
    browser.click("#memory-search-submit");
    String hit = "#memory-results li[data-seq='" + invoice + "']";
    browser.textAppears(hit, "INV-20931 from Acme Corp is overdue");
    browser.textAppears(hit + " .memory-seq", "#" + invoice);
    browser.textAppears(hit + " .memory-type", "message_received");
    assertThat(browser.visible(hit + " time").getAttribute("datetime")).isNotBlank();
    browser.textAppears("#memory-search-status", "best first, ranked by words.");
    // The staging message does not match.
    assertThat(browser.visible("#memory-results").getText()).doesNotContain("staging cluster");
    assertThat(browser.visible(hit + " .memory-snippet").getText()).doesNotContain("auditor");
    browser.click(hit + " .memory-show");
    browser.textAppears(hit + " .memory-event pre", "PS: the auditor arrives on Tuesday.");
    assertThat(browser.visible(hit + " .memory-event pre").getText())
        .isEqualTo(invoiceText.strip());
    browser.screenshot(Path.of("target", "ui-screenshots", "memory-search.png"));

    // An identifier (trigram similarity too); the default mode, hybrid, says it could rank by
    // words only, and why.
    new Select(browser.visible("#memory-mode")).selectByValue("hybrid");
    browser.type("#memory-query", "INV-20931");
    browser.click("#memory-search-submit");
    browser.textAppears("#memory-search-status", "ranked by words only: embeddings are off");
    browser.textAppears(hit, "INV-20931");

    // By keyboard alone: Enter in the box searches.
    browser.type("#memory-query", "zeppelin" + Keys.ENTER);
    browser.textAppears("#memory-search-status", "Nothing found");
    assertThat(browser.all("#memory-results li")).isEmpty();
    assertThat(browser.unlabelledFields()).asList().isEmpty();
    // Everyone may search: the box is not an operator's control.
    assertThat(browser.visible("#memory-search-form").getAttribute("class"))
        .doesNotContain("needs-operator");
    // The log-in form's first try (login before bootstrap) is the only failed request.
    assertThat(browser.consoleProblems())
        .allSatisfy(m -> assertThat(m).contains("/api/login - Failed to load resource"));
  }

  @Test
  void aSearchByMeaningShowsASnippetWithMarkupAsText() throws Exception {
    String agentId = start("on");
    message(agentId, "Deploy the staging cluster on Friday after the freeze lifts.");
    long markup =
        message(
            agentId,
            "Release notes <b>draft</b> <img src=x onerror=\"document.title='owned'\"> attached");

    browser.open("#/agents/" + agentId);
    new Select(browser.visible("#memory-mode")).selectByValue("semantic");
    browser.type("#memory-query", "the changelog for the next version");
    String markupHit = "#memory-results li[data-seq='" + markup + "']";
    // The indexer embeds the entries within about a second of their append, and the gateway
    // loads its query model on the first search: search again until both are done.
    browser.click("#memory-search-submit");
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              boolean found =
                  !browser.all(markupHit).isEmpty()
                      && browser
                          .visible("#memory-search-status")
                          .getText()
                          .contains("ranked by meaning.");
              if (!found) {
                browser.click("#memory-search-submit");
              }
              return found;
            });
    // Markup in a snippet is text: no element made of it, no script run.
    browser.textAppears(markupHit + " .memory-snippet", "<b>draft</b>");
    browser.textAppears(markupHit + " .memory-snippet", "onerror=");
    assertThat(browser.all("#memory-results b, #memory-results img")).isEmpty();
    assertThat(browser.js("return document.title")).isNotEqualTo("owned");
    browser.screenshot(Path.of("target", "ui-screenshots", "memory-search-meaning.png"));
    assertThat(browser.consoleProblems())
        .allSatisfy(m -> assertThat(m).contains("/api/login - Failed to load resource"));
  }
}
