package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;
import org.openpincery.testkit.TestPostgres;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.support.ui.Select;

/**
 * The supervision pages in real headless Chromium against the whole standalone stack: the approvals
 * inbox (its nav badge, approve with a note, a request someone else decided first, the decided
 * filter), an agent's permission mode, its pending approvals, and the semantic stop (Stop / Carry
 * on post the messages; the badge follows). Approval requests are committed as a wake commits them
 * (claim, then a step with the request ending the wake {@code awaiting_approval}, V18). Screenshots
 * land in {@code target/ui-screenshots/supervision-*.png}.
 */
class SupervisionControlPlaneBrowserTest {

  private static final String BOOTSTRAP = "supervision-browser-bootstrap-0017";
  private static final Path SHOTS = Path.of("target", "ui-screenshots");

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Chromium> browsers = new ArrayList<>();
  private Standalone app;
  private Vertx vertx;
  private Store store;

  @BeforeEach
  void start() {
    assertThat(Chromium.BINARY).as("Debian's chromium").isExecutable();
    assertThat(Chromium.DRIVER).as("Debian's chromium-driver").isExecutable();
    DatabaseUrl database = TestPostgres.freshDatabase();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(database));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    // The test's own API calls go with the owner's session, at machine speed: they must not use up
    // the page's budget of requests (docs/ui.md, "Requests and limits").
    env.put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "100000");
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    vertx = Vertx.vertx();
    store = Store.open(vertx, new DatabaseConfig(database, 2, "supervision-browser-test"));
  }

  @AfterEach
  void stop() throws IOException {
    for (int i = 0; i < browsers.size(); i++) {
      browsers.get(i).screenshot(SHOTS.resolve("supervision-last-" + i + ".png"));
      browsers.get(i).close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (app != null) {
      app.stop();
    }
  }

  private Chromium browser(String who) throws IOException {
    Chromium b = new Chromium(work.resolve("browser-" + who), port);
    browsers.add(b);
    return b;
  }

  private void shot(Chromium b, String name) throws IOException {
    b.screenshot(SHOTS.resolve("supervision-" + name + ".png"));
  }

  private ApiCalls.Answer call(String method, String path, String token, JsonObject body)
      throws Exception {
    return ApiCalls.send(http, port, method, path, token, body);
  }

  /**
   * A gated call's request, committed as a wake commits it: the idle agent claimed (waiting out a
   * wake of its own), one step with the request, its event and the wake's end.
   */
  private UUID requestApproval(String agentId, String tool, JsonObject arguments) {
    UUID agent = UUID.fromString(agentId);
    AtomicReference<ClaimResult.Claimed> claimed = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              if (store.lifecycle().claim(agent, "browser-test", Duration.ofMinutes(1)).await()
                  instanceof ClaimResult.Claimed c) {
                claimed.set(c);
                return true;
              }
              return false;
            });
    var wake = claimed.get();
    UUID id = UUID.randomUUID();
    String callId = "call_" + id.toString().substring(0, 8);
    NewEvent requested =
        NewEvent.of(EventType.APPROVAL_REQUESTED, "runtime", null)
            .withPayload(
                new JsonObject()
                    .put("approval_id", id.toString())
                    .put("call_id", callId)
                    .put("tool", tool)
                    .put("capability", "external")
                    .put("arguments", arguments)
                    .put("approvers", "operator"));
    store
        .wakes()
        .step(
            new WakeRepository.Step(
                agent,
                wake.wakeId(),
                Duration.ofMinutes(1),
                null,
                List.of(WakeRepository.StepEvent.own(requested)),
                TerminationReason.AWAITING_APPROVAL,
                wake.inboxSeq(),
                Duration.ofMinutes(1),
                List.of(),
                false,
                List.of(
                    new WakeRepository.ApprovalChange.Request(
                        id, callId, tool, "external", arguments, Duration.ofHours(1))),
                new JsonObject().put("approvals", new JsonArray().add(id.toString()))))
        .await();
    return id;
  }

  /**
   * Clicks what an agent page may redraw at any moment (its head is drawn again after each event
   * that changes the agent): found afresh until a click lands.
   */
  private static void clickLive(Chromium b, String css) {
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreException(StaleElementReferenceException.class)
        .until(
            () -> {
              b.visible(css);
              b.driver.findElement(By.cssSelector(css)).click();
              return true;
            });
  }

  private static String card(UUID approval) {
    return "article.approval[data-approval-id='" + approval + "']";
  }

  @Test
  void anOperatorApprovesInTheInboxSetsTheModeAndStopsAndResumesAnAgent() throws Exception {
    Chromium owner = browser("owner");
    owner.open("");
    owner.type("#login-token", BOOTSTRAP);
    owner.click("#login-submit");
    owner.visible("#agents-table");
    String token = owner.sessionToken();
    String deployer =
        call("POST", "/api/agents", token, new JsonObject().put("name", "deployer"))
            .json()
            .getString("id");
    String builder =
        call("POST", "/api/agents", token, new JsonObject().put("name", "builder"))
            .json()
            .getString("id");
    UUID deploy =
        requestApproval(
            deployer,
            "shell",
            new JsonObject().put("command", "curl -X POST https://deploy.example/v1/release"));
    UUID raced = requestApproval(deployer, "shell", new JsonObject().put("command", "echo second"));
    UUID build = requestApproval(builder, "shell", new JsonObject().put("command", "echo build"));

    // The nav entry counts what waits; the inbox lists each request with its call.
    owner.driver.navigate().refresh();
    owner.textAppears("#approvals-count", "3");
    owner.click("#page-nav a[data-page=approvals]");
    owner.textAppears(card(deploy), "https://deploy.example/v1/release");
    owner.textAppears(card(deploy) + " .approval-agent", "deployer");
    owner.textAppears(card(deploy), "external");
    owner.textAppears(card(deploy) + " .approval-expires", "in ");
    assertThat(owner.unlabelledFields()).asList().isEmpty();
    shot(owner, "01-inbox");

    // Approve with a note: the request leaves the pending list and the count drops.
    owner.type("#note-" + deploy, "release approved for today");
    owner.click(card(deploy) + " button.approve");
    owner.gone(card(deploy));
    owner.textAppears("#approvals-count", "2");

    // Someone else decides the other request first (another operator, through the API): the page
    // still shows it pending (the note is being typed), and Deny says who was first, in place.
    owner.type("#note-" + raced, "no");
    assertThat(
            call(
                    "POST",
                    "/api/approvals/" + raced + "/approve",
                    token,
                    new JsonObject().put("note", "first"))
                .status())
        .isEqualTo(200);
    owner.click(card(raced) + " button.deny");
    owner.textAppears(card(raced) + " .approval-error", "409");
    owner.textAppears(card(raced) + " .approval-decision-value", "approved");
    shot(owner, "02-decided-elsewhere");

    // The decided filter: decision, who, when, note.
    new Select(owner.visible("#approvals-status")).selectByValue("approved");
    owner.textAppears(card(deploy) + " .approval-decision-value", "approved");
    owner.textAppears(card(deploy) + " .approval-by", "admin@localhost");
    owner.textAppears(card(deploy) + " .approval-note-text", "release approved for today");
    owner.gone(card(deploy) + " button.approve");
    // The agent woke and settled the approved call (its shell runs sandboxed, without network):
    // the inbox says what became of it.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                owner
                    .visible(card(deploy) + " .approval-execution")
                    .getText()
                    .matches("executed: (ok|the tool failed)|interrupted|answered"));
    shot(owner, "03-approved");
    JsonObject decided = call("GET", "/api/approvals/" + deploy, token, null).json();
    assertThat(decided.getString("status")).isEqualTo("approved");
    assertThat(decided.getString("note")).isEqualTo("release approved for today");

    // The agents list shows each agent's mode; the agent page sets it (admin) and lists the
    // agent's own pending approvals, decided there too.
    owner.click("#page-nav a[data-page=agents]");
    owner.textAppears("tr[data-agent-name='builder'] .agent-mode", "supervised");
    owner.click("tr[data-agent-name='builder'] a.agent-link");
    owner.textAppears("#agent-mode .badge", "supervised");
    owner.textAppears(card(build), "echo build");
    owner.textAppears("#event-log .type-approval_requested", "approval requested");
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreException(StaleElementReferenceException.class)
        .until(
            () -> {
              new Select(owner.visible("#mode-select")).selectByValue("autonomous");
              return true;
            });
    clickLive(owner, "#mode-set");
    owner.textAppears("#agent-mode .badge", "autonomous");
    assertThat(
            call("GET", "/api/agents/" + builder, token, null).json().getString("permission_mode"))
        .isEqualTo("autonomous");
    clickLive(owner, card(build) + " button.deny");
    owner.gone(card(build));
    owner.textAppears("#agent-approvals", "Nothing waits");
    assertThat(call("GET", "/api/approvals/" + build, token, null).json().getString("status"))
        .isEqualTo("denied");
    owner.gone("#approvals-count");

    // Stop, then carry on: the buttons post the messages; the badge follows.
    clickLive(owner, "#stop-agent");
    owner.visible("#agent-status .badge.stopped");
    owner.visible("#carry-on-agent");
    owner.gone("#toggle-enabled");
    owner.textAppears("#event-log", "stops the agent");
    owner.textAppears("#event-log .type-approval_decided", "approval denied");
    JsonObject stopped = call("GET", "/api/agents/" + builder, token, null).json();
    assertThat(stopped.getBoolean("stopped")).isTrue();
    assertThat(stopped.getString("disabled_reason")).isEqualTo("stopped");
    shot(owner, "04-stopped");
    owner.click("#back-to-agents");
    owner.visible("tr[data-agent-name='builder'] .badge.stopped");
    owner.visible("tr[data-agent-name='builder'] button[aria-label='Carry on builder']");
    owner.click("tr[data-agent-name='builder'] a.agent-link");
    clickLive(owner, "#carry-on-agent");
    owner.gone("#agent-status .badge.stopped");
    owner.visible("#stop-agent");
    assertThat(call("GET", "/api/agents/" + builder, token, null).json().getBoolean("stopped"))
        .isFalse();
    JsonArray events =
        call("GET", "/api/agents/" + builder + "/events?limit=100", token, null)
            .json()
            .getJsonArray("events");
    List<String> said = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      if (e.getString("event_type").equals("message_received")) {
        said.add(e.getString("content"));
      }
    }
    assertThat(said).containsSubsequence("stop", "carry on");
    owner.driver.manage().window().setSize(new Dimension(390, 900));
    shot(owner, "05-agent-phone");
    owner.driver.manage().window().setSize(new Dimension(1280, 1000));

    // A viewer reads the inbox but is offered no decision, no mode, no stop.
    UUID waiting = requestApproval(deployer, "shell", new JsonObject().put("command", "echo v"));
    var viewerToken =
        call(
                "POST",
                "/api/tokens",
                token,
                new JsonObject().put("name", "watcher").put("role", "viewer"))
            .json()
            .getString("token");
    Chromium viewer = browser("viewer");
    viewer.open("");
    viewer.click("#kind-session");
    viewer.type("#login-token", viewerToken);
    viewer.click("#login-submit");
    viewer.textAppears("#my-role", "viewer");
    viewer.textAppears("#approvals-count", "1");
    viewer.click("#page-nav a[data-page=approvals]");
    viewer.textAppears(card(waiting), "echo v");
    viewer.gone(card(waiting) + " button.approve");
    viewer.gone(card(waiting) + " button.deny");
    viewer.open("#/agents/" + builder);
    viewer.textAppears("#agent-mode .badge", "autonomous");
    viewer.gone("#mode-select");
    viewer.gone("#stop-agent");
    shot(viewer, "06-viewer-inbox");

    // Nothing failed in a console but what the test caused (the refused decision; the log-in
    // form tries a bootstrap token as a session first).
    assertThat(owner.consoleProblems())
        .allSatisfy(
            m -> assertThat(m).containsAnyOf("409", "/api/login - Failed to load resource"));
    assertThat(viewer.consoleProblems()).isEmpty();
  }
}
