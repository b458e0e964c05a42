package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web control plane in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}), against the whole standalone stack with the offline model: what an operator
 * does, click by click. Screenshots of each page land in {@code target/ui-screenshots/}.
 */
class ControlPlaneBrowserTest {

  private static final String BOOTSTRAP = "browser-e2e-bootstrap-token-0042";
  private static final Path SHOTS = Path.of("target", "ui-screenshots");

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private Standalone app;
  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void checkBrowser() throws IOException {
    assertThat(Chromium.BINARY)
        .as(
            "Debian's chromium (./pincery test installs it: apt-get install -y chromium chromium-driver)")
        .isExecutable();
    assertThat(Chromium.DRIVER).as("Debian's chromium-driver").isExecutable();
    Files.createDirectories(SHOTS);
  }

  /** The whole stack, then a fresh browser; {@code extra} adds or overrides settings. */
  private void start(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("WAKE_POLL_MILLIS", "200");
    env.put("MAINTENANCE_POLL_MILLIS", "200");
    env.putAll(extra);
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    browser = Chromium.launch(work.resolve("profile"));
    wait = new WebDriverWait(browser, Duration.ofSeconds(30));
  }

  @AfterEach
  void stop(org.junit.jupiter.api.TestInfo test) throws IOException {
    if (browser != null) {
      // The page as the test left it: the one to look at when a wait timed out.
      screenshot("last-" + test.getTestMethod().orElseThrow().getName());
      browser.quit();
    }
    if (app != null) {
      app.stop();
    }
  }

  private String url(String fragment) {
    return "http://127.0.0.1:" + port + "/" + fragment;
  }

  private WebElement visible(String css) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  private void textAppears(String css, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
  }

  private void type(String css, String text) {
    WebElement field = visible(css);
    field.clear();
    field.sendKeys(text);
  }

  private void click(String css) {
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).click();
  }

  private Object js(String script) {
    return ((JavascriptExecutor) browser).executeScript(script);
  }

  /** The whole page, beyond the window (Chromium's own full-page capture). */
  private void screenshot(String name) throws IOException {
    ChromeDriver chrome = (ChromeDriver) browser;
    @SuppressWarnings("unchecked")
    Map<String, Object> size =
        (Map<String, Object>)
            chrome.executeCdpCommand("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
    Map<String, Object> shot =
        chrome.executeCdpCommand(
            "Page.captureScreenshot",
            Map.of(
                "format",
                "png",
                "captureBeyondViewport",
                true,
                "clip",
                Map.of(
                    "x",
                    0,
                    "y",
                    0,
                    "width",
                    ((Number) size.get("width")).doubleValue(),
                    "height",
                    Math.min(8000, ((Number) size.get("height")).doubleValue()),
                    "scale",
                    1)));
    Files.write(
        SHOTS.resolve(name + ".png"), Base64.getDecoder().decode((String) shot.get("data")));
  }

  @Test
  void anOperatorLogsInCreatesAnAgentTalksToItAndSeesTheAnswerLive() throws IOException {
    // No LLM_API_KEY: the built-in offline model answers, and the control plane says so.
    start(Map.of());
    browser.get(url(""));
    visible("#login-form");
    visible("#offline-banner");
    assertThat(browser.findElement(By.id("offline-banner")).getText()).contains("offline model");
    screenshot("01-login");

    type("#login-token", BOOTSTRAP);
    click("#login-submit");
    visible("#agents-table");
    textAppears("#agents-body", "No agents yet");
    assertThat(browser.getCurrentUrl()).doesNotContain(BOOTSTRAP);
    assertThat((String) js("return sessionStorage.getItem('openpincery.session')"))
        .matches("[0-9a-f]{64}");

    type("#new-agent-name", "ada");
    click("#create-submit");
    String secret = visible("#secret-panel #secret-value").getText();
    assertThat(secret).hasSizeGreaterThan(20);
    assertThat(browser.findElement(By.cssSelector("#secret-panel #webhook-url")).getText())
        .startsWith("http://127.0.0.1:" + port + "/api/agents/")
        .endsWith("/webhooks");
    textAppears("#agents-body", "ada");
    screenshot("02-agents");

    click("#open-created");
    textAppears("#agent-name", "ada");
    textAppears("#stream-state", "live");
    js("window.__sameDocument = 'kept'");

    type("#message-text", "hello from the browser");
    click("#message-send");
    textAppears("#message-status", "Sent");
    // The reply arrives over the event stream: same document, no reload.
    textAppears(".assistant-message", "[offline model]");
    assertThat(js("return window.__sameDocument")).isEqualTo("kept");
    visible(".wake-block.ended");
    textAppears("#event-log", "hello from the browser");
    // Maintenance writes projection version 1; the page picks it up by itself.
    visible("#projection-version");
    textAppears("#projection-body [data-field=identity]", "[offline model]");
    // Each version is shown as a line diff against the one before, computed in the page.
    Object diff =
        ((JavascriptExecutor) browser)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "import('/js/diff.js').then(m => done(m.diffLines('a\\nb\\nc', 'a\\nc\\nd')"
                    + ".map(l => l.op + l.text).join(',')));");
    assertThat(diff).isEqualTo("=a,-b,=c,+d");
    textAppears("#timers", "No pending timers");
    visible("#wake-timeline svg rect.wake.ok");
    visible("#spend-chart svg path.line");
    screenshot("03-agent");
    // Every field has a label a screen reader can read out.
    assertThat(
            js(
                "return [...document.querySelectorAll('input, select, textarea')]"
                    + ".filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))"
                    + ".map(el => el.id || el.name || el.outerHTML)"))
        .asList()
        .isEmpty();

    click(".wake-block.ended .open-model-calls");
    visible("#model-calls[open]");
    click("#model-calls .call-open");
    visible("#model-call-detail");
    textAppears("#model-call-answer", "[offline model]");
    assertThat(browser.findElement(By.cssSelector("#model-call-detail .call-tokens")).getText())
        .matches("\\d+ in · \\d+ out");
    assertThat(browser.findElement(By.cssSelector("#model-call-detail .call-cost")).getText())
        .startsWith("$");
    assertThat(browser.findElement(By.cssSelector("#model-call-detail .call-latency")).getText())
        .endsWith("ms");
    textAppears("#model-call-detail .prompt", "hello from the browser");
    screenshot("04-model-call");
    click("#model-calls-close");
    wait.until(
        ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#model-calls[open]")));

    click("#rotate-secret");
    textAppears("#rotate-secret", "Confirm");
    click("#rotate-secret");
    WebElement rotated = visible("#rotate-out #secret-value");
    assertThat(rotated.getText()).hasSizeGreaterThan(20).isNotEqualTo(secret);
    assertThat(browser.findElement(By.id("curl-example")).getText())
        .contains("X-Webhook-Signature: sha256=$SIG")
        .contains(rotated.getText())
        .contains("http://127.0.0.1:" + port + "/api/agents/");

    type("#schedule-value", "3600");
    type("#schedule-note", "hourly check");
    click("#schedule-add");
    textAppears("#schedules", "hourly check");
    textAppears("#schedules", "every 3600 s");
    new org.openqa.selenium.support.ui.Select(visible("#schedule-kind")).selectByValue("cron");
    type("#schedule-value", "0 9 * * 1-5");
    type("#schedule-note", "weekday standup");
    click("#schedule-add");
    textAppears("#schedules", "weekday standup");
    click("button[aria-label='Remove schedule weekday standup']");
    wait.until(
        ExpectedConditions.not(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("schedules"), "weekday standup")));
    textAppears("#schedules", "hourly check");

    // A one-off timer set by the operator, listed as such, then cancelled.
    type("#timer-in", "90");
    type("#timer-note", "look again later");
    click("#timer-add");
    textAppears("#timers", "look again later");
    textAppears("#timers", "set by an operator");
    click("button[aria-label='Cancel timer look again later']");
    textAppears("#timers", "No pending timers");

    click("#verify-chain");
    textAppears("#verify-result", "Intact");
    screenshot("05-agent-controls");

    click("#toggle-enabled");
    textAppears("#agent-status", "disabled");
    textAppears("#toggle-enabled", "Enable");

    browser.manage().window().setSize(new Dimension(390, 900));
    screenshot("06-agent-phone");
    click("#back-to-agents");
    visible("tr[data-agent-name='ada'] .badge.disabled");
    screenshot("07-agents-phone");
    browser.navigate().back();
    textAppears("#agent-name", "ada");
    browser.manage().window().setSize(new Dimension(1280, 1000));

    // Nothing the Content-Security-Policy refused, no script error, no failed request but the
    // one the first log-in expects (POST /api/login is 409 not_bootstrapped, then it bootstraps).
    assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
        .filteredOn(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
        .filteredOn(entry -> !entry.getMessage().contains("/api/login - Failed to load resource"))
        .isEmpty();

    click("#logout");
    visible("#login-form");
    assertThat(js("return sessionStorage.getItem('openpincery.session')")).isNull();
    screenshot("08-logged-out");
  }

  @Test
  void refusalsAndAnUnreachableServerAreShownInlineNeverAsABlankPage() throws IOException {
    start(Map.of());
    browser.get(url(""));
    type("#login-token", "not-the-bootstrap-token");
    click("#login-submit");
    textAppears("#login-error", "bootstrap token is missing or wrong");
    textAppears("#login-error", "401");
    screenshot("09-login-refused");

    // By keyboard alone: the token field has the focus, Enter submits, Tab shows where focus is.
    WebElement token = visible("#login-token");
    token.clear();
    token.sendKeys(BOOTSTRAP, Keys.ENTER);
    visible("#agents-table");
    new Actions(browser).sendKeys(Keys.TAB).perform();
    assertThat(js("return getComputedStyle(document.activeElement).outlineStyle"))
        .isEqualTo("solid");
    type("#new-agent-name", "twin");
    click("#create-submit");
    visible("#secret-panel");
    type("#new-agent-name", "twin");
    click("#create-submit");
    textAppears("#create-error", "already exists");
    textAppears("#create-error", "409");

    // Rename from the list, then delete (a second click confirms).
    click("button[aria-label='Rename twin']");
    type("input[aria-label='New name for twin']", "twin-renamed");
    browser
        .findElement(By.cssSelector("input[aria-label='New name for twin']"))
        .sendKeys(Keys.ENTER);
    visible("tr[data-agent-name='twin-renamed']");
    click("button[aria-label='Delete twin-renamed']");
    textAppears("button[aria-label='Delete twin-renamed']", "Confirm");
    click("button[aria-label='Delete twin-renamed']");
    wait.until(
        ExpectedConditions.invisibilityOfElementLocated(
            By.cssSelector("tr[data-agent-name='twin-renamed']")));
    click("#show-deleted");
    visible("tr[data-agent-name='twin-renamed'] .badge.deleted");

    // An agent that does not exist: an inline 404, the page around it intact.
    browser.get(url("#/agents/00000000-0000-4000-8000-000000000000"));
    textAppears("#agent-error", "no such agent");
    textAppears("#agent-name", "No such agent");

    app.stop();
    app = null;
    click("#back-to-agents");
    textAppears("#agents-error", "Server unreachable");
    assertThat(browser.findElement(By.cssSelector("header.top")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Agents");
    screenshot("10-server-down");

    List<String> shots;
    try (var files = Files.list(SHOTS)) {
      shots = files.map(p -> p.getFileName().toString()).toList();
    }
    assertThat(shots).contains("09-login-refused.png", "10-server-down.png");
  }

  @Test
  void toolCallsAreFoldedWithTheirResultsAndTheLogFiltersByKind() throws IOException {
    try (ScriptedModelServer model = ScriptedModelServer.start()) {
      model
          .then(
              "check on the build",
              new ToolCalls(
                  List.<String[]>of(
                      new String[] {
                        "set_timer", "{\"in_seconds\": 3600, \"note\": \"look at the build again\"}"
                      }),
                  100,
                  20))
          .then("check on the build", new Text("I will look again in an hour.", "stop", 100, 20))
          .then(
              "keep the long-term memory",
              new Text(
                  "{\"identity\": \"I watch the build.\", \"work_list\": \"- look at the build\","
                      + " \"summary\": \"Set a timer.\"}",
                  "stop",
                  100,
                  20));
      start(
          Map.of(
              "LLM_API_BASE_URL",
              model.baseUrl(),
              "LLM_API_KEY",
              "ui-key",
              "LLM_MODEL",
              "scripted"));
      browser.get(url(""));
      type("#login-token", BOOTSTRAP);
      click("#login-submit");
      type("#new-agent-name", "watcher");
      click("#create-submit");
      click("#open-created");
      textAppears("#stream-state", "live");
      assertThat(browser.findElements(By.id("offline-banner"))).isEmpty();

      type("#message-text", "check on the build");
      click("#message-send");
      textAppears(".assistant-message", "I will look again in an hour.");
      // The call and its result are one folded item; opening it shows both.
      WebElement fold = visible(".wake-block details.tool");
      assertThat(fold.findElement(By.tagName("summary")).getText())
          .contains("set_timer")
          .contains("→ ok");
      fold.findElement(By.tagName("summary")).click();
      textAppears(".wake-block details.tool[open] .fold-body", "look at the build again");
      textAppears(".wake-block details.tool[open] .fold-body", "due_at");
      assertThat(browser.findElements(By.cssSelector(".wake-block .type-tool_result"))).isEmpty();
      textAppears(".wake-block .wake-status", "completed");
      textAppears("#timers", "look at the build again");
      textAppears("#timers", "set by the agent");
      textAppears("#projection-body [data-field=identity]", "I watch the build.");
      screenshot("11-agent-tools");

      click("label[for=filter-tool]");
      wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("details.tool")));
      assertThat(browser.findElement(By.cssSelector(".assistant-message")).isDisplayed()).isTrue();
      click("label[for=filter-message]");
      wait.until(
          ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".assistant-message")));
      click("label[for=filter-tool]");
      visible("details.tool");

      // Earlier events join the log where they belong: a wake split by the page boundary is
      // one block again.
      Object regrouped =
          ((JavascriptExecutor) browser)
              .executeAsyncScript(
                  "const done = arguments[arguments.length - 1];"
                      + "import('/js/eventlog.js').then(m => {"
                      + "  const ev = (seq, type, wake) => ({seq, event_type: type, wake_id: wake,"
                      + "    created_at: new Date().toISOString(), payload: {}, content: 'e' + seq});"
                      + "  const log = new m.EventLog(() => {});"
                      + "  [ev(3, 'assistant_message', 'w1'), ev(4, 'wake_end', 'w1')].forEach(e => log.add(e));"
                      + "  log.addOlder([ev(1, 'message_received', null), ev(2, 'wake_start', 'w1')]);"
                      + "  done(log.el.querySelectorAll('.wake-block').length + ':'"
                      + "    + [...log.el.querySelectorAll('[data-seq]')].map(x => x.dataset.seq).join(','));"
                      + "});");
      assertThat(regrouped).isEqualTo("1:1,2,3,4");
    }
  }
}
