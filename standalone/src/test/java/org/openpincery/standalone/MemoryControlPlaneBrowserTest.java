package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.TestPostgres;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The agent page's memory search box in real headless Chromium against the whole standalone stack
 * (the offline model; embeddings off, so ranking is by words and the page says so): an operator
 * finds a message by its words and by an identifier, sees its seq, type, time and snippet, and a
 * snippet carrying markup is shown as text. Screenshots: {@code
 * target/ui-screenshots/memory-*.png}.
 */
class MemoryControlPlaneBrowserTest {

  private static final String BOOTSTRAP = "memory-browser-bootstrap-token-0042";

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private final HttpClient http = HttpClient.newHttpClient();
  private Standalone app;
  private Chromium browser;

  @BeforeEach
  void start() throws Exception {
    assertThat(Chromium.BINARY).as("Debian's chromium").isExecutable();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("MEMORY_EMBEDDINGS", "off");
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    browser = new Chromium(work.resolve("browser"), port);
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

  private long message(String token, String agentId, String text) throws Exception {
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
  void anOperatorSearchesAnAgentsMemoryAndSeesEachHitsSeqTypeTimeAndSnippetAsText()
      throws Exception {
    browser.open("");
    browser.type("#login-token", BOOTSTRAP);
    browser.click("#login-submit");
    browser.visible("#agents-table");
    String token = browser.sessionToken();
    var agent =
        ApiCalls.send(
            http, port, "POST", "/api/agents", token, new JsonObject().put("name", "archivist"));
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    String agentId = agent.json().getString("id");
    long invoice =
        message(token, agentId, "The invoice INV-20931 from Acme Corp is overdue; remind finance.");
    message(token, agentId, "Deploy the staging cluster on Friday after the freeze lifts.");
    long markup =
        message(
            token,
            agentId,
            "Release notes <b>draft</b> <img src=x onerror=\"document.title='owned'\"> attached");

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
    browser.textAppears("#memory-search-status", "best first, ranked by words");
    // The staging message does not match.
    assertThat(browser.visible("#memory-results").getText()).doesNotContain("staging cluster");
    browser.screenshot(Path.of("target", "ui-screenshots", "memory-search.png"));

    // An identifier, by trigram similarity; the default mode (hybrid) says it ranked by words
    // only, and why.
    new Select(browser.visible("#memory-mode")).selectByValue("hybrid");
    browser.type("#memory-query", "INV-20931");
    browser.click("#memory-search-submit");
    browser.textAppears(hit, "INV-20931");
    browser.textAppears("#memory-search-status", "Ranked by words only");

    // Markup in a snippet is text: no element made of it, no script run.
    browser.type("#memory-query", "release notes draft");
    browser.click("#memory-search-submit");
    String markupHit = "#memory-results li[data-seq='" + markup + "']";
    browser.textAppears(markupHit, "<b>draft</b>");
    browser.textAppears(markupHit, "onerror=");
    assertThat(browser.all("#memory-results b, #memory-results img")).isEmpty();
    assertThat(browser.js("return document.title")).isNotEqualTo("owned");

    browser.type("#memory-query", "zeppelin");
    browser.click("#memory-search-submit");
    browser.textAppears("#memory-search-status", "Nothing found.");
    assertThat(browser.all("#memory-results li")).isEmpty();
    assertThat(browser.unlabelledFields()).asList().isEmpty();

    // A viewer searches too (the box is not an operator's control).
    WebElement box = browser.visible("#memory-search-form");
    assertThat(box.getAttribute("class")).doesNotContain("needs-operator");
    // The log-in form's first try (login before bootstrap) is the only failed request.
    assertThat(browser.consoleProblems())
        .allSatisfy(m -> assertThat(m).contains("/api/login - Failed to load resource"));
  }
}
