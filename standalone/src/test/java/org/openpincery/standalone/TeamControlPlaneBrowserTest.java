package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.OidcProvider;
import org.openpincery.testkit.TestPostgres;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.support.ui.Select;

/**
 * The control plane's team pages in real headless Chromium, against the whole standalone stack: an
 * owner invites a person, who accepts the link in a browser of their own; roles change, API tokens
 * are shown once and revoked, and the audit log lists each of these acts. Two browsers (two
 * profiles) are two people. Screenshots land in {@code target/ui-screenshots/team-*.png}.
 */
class TeamControlPlaneBrowserTest {

  private static final String BOOTSTRAP = "team-browser-bootstrap-token-0042";
  private static final Path SHOTS = Path.of("target", "ui-screenshots");

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Chromium> browsers = new ArrayList<>();
  private Standalone app;

  @BeforeEach
  void checkBrowser() {
    assertThat(Chromium.BINARY)
        .as(
            "Debian's chromium (./pincery test installs it: apt-get install -y chromium chromium-driver)")
        .isExecutable();
    assertThat(Chromium.DRIVER).as("Debian's chromium-driver").isExecutable();
  }

  @AfterEach
  void stop(TestInfo test) throws IOException {
    String name = test.getTestMethod().orElseThrow().getName();
    for (int i = 0; i < browsers.size(); i++) {
      // The pages as the test left them: the ones to look at when a wait timed out.
      browsers.get(i).screenshot(SHOTS.resolve("team-last-" + name + "-" + i + ".png"));
      browsers.get(i).close();
    }
    if (app != null) {
      app.stop();
    }
  }

  private void start() {
    start(Map.of());
  }

  /** The whole stack; {@code extra} adds or overrides settings. */
  private void start(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.putAll(extra);
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
  }

  /** A browser of its own: another profile, so another person. */
  private Chromium browser(String who) throws IOException {
    Chromium b = new Chromium(work.resolve("browser-" + who), port);
    browsers.add(b);
    return b;
  }

  private void shot(Chromium b, String name) throws IOException {
    b.screenshot(SHOTS.resolve("team-" + name + ".png"));
  }

  /** The owner, by the bootstrap token, on the agents page. */
  private Chromium owner() throws IOException {
    Chromium owner = browser("owner");
    owner.open("");
    owner.type("#login-token", BOOTSTRAP);
    owner.click("#login-submit");
    owner.visible("#agents-table");
    owner.textAppears("#my-role", "owner");
    return owner;
  }

  private String invite(Chromium admin, String email, String role) {
    admin.click("#page-nav a[data-page=invitations]");
    admin.type("#invite-email", email);
    new Select(admin.visible("#invite-role")).selectByValue(role);
    admin.click("#invite-submit");
    return admin.visible("#invite-link-value").getText();
  }

  private void accept(Chromium person, String link, String name) {
    person.driver.get(link);
    person.visible("#accept-form");
    person.type("#accept-name", name);
    person.click("#accept-submit");
  }

  private ApiCalls.Answer call(String method, String path, String token) throws Exception {
    return ApiCalls.send(http, port, method, path, token, null);
  }

  @Test
  void anInvitedPersonJoinsChangesRoleAndTheTokensAndAuditPagesShowWhatHappened() throws Exception {
    start();
    Chromium owner = owner();
    assertThat(owner.visible("#page-nav a[data-page=audit]").isDisplayed()).isTrue();

    // The owner invites: the link is shown once, with a copy button.
    owner.click("#page-nav a[data-page=invitations]");
    owner.type("#invite-email", "Bea@Example.com");
    new Select(owner.visible("#invite-role")).selectByValue("operator");
    owner.type("#invite-hours", "48");
    owner.click("#invite-submit");
    String link = owner.visible("#invite-link-value").getText();
    assertThat(link).matches("http://127\\.0\\.0\\.1:" + port + "/#/accept/inv_[0-9a-f]{64}");
    owner.visible("#invite-link button");
    owner.textAppears("tr[data-email='bea@example.com']", "pending");
    assertThat(owner.unlabelledFields()).asList().isEmpty();
    shot(owner, "01-invitations");

    // Bea opens it in her own browser: the token leaves the address bar at once.
    Chromium bea = browser("bea");
    bea.driver.get(link);
    bea.visible("#accept-form");
    assertThat(bea.url()).endsWith("/#/accept").doesNotContain("inv_");
    assertThat(bea.unlabelledFields()).asList().isEmpty();
    shot(bea, "02-accept");
    bea.type("#accept-name", "Bea Martin");
    bea.click("#accept-submit");
    bea.visible("#agents-table");
    bea.textAppears("#my-role", "operator");
    bea.textAppears("#whoami", "bea@example.com");
    assertThat(bea.sessionToken()).matches("[0-9a-f]{64}");
    assertThat(bea.url()).endsWith("/#/agents");
    // An operator creates agents, but is not offered invitations or the audit log.
    bea.visible("#create-agent");
    bea.gone("#page-nav a[data-page=invitations]");
    bea.gone("#page-nav a[data-page=audit]");

    owner.driver.navigate().refresh();
    owner.textAppears("tr[data-email='bea@example.com']", "accepted");
    owner.click("#page-nav a[data-page=members]");
    owner.textAppears("#members-body", "Bea Martin");
    owner.textAppears("tr[data-email='bea@example.com']", "bea@example.com");
    new Select(owner.visible("select[aria-label='Role of bea@example.com']"))
        .selectByValue("viewer");
    owner.click("button[aria-label='Set the role of bea@example.com']");
    owner.textAppears("#members-status", "bea@example.com is now viewer");
    assertThat(owner.unlabelledFields()).asList().isEmpty();
    shot(owner, "03-members");
    owner.driver.manage().window().setSize(new Dimension(390, 900));
    shot(owner, "03-members-phone");
    owner.driver.manage().window().setSize(new Dimension(1280, 1000));

    // Bea's page was drawn for an operator: the server refuses, and the page says it in place.
    bea.type("#new-agent-name", "bea-agent");
    bea.click("#create-submit");
    bea.textAppears("#create-error", "403");
    bea.textAppears("#create-error", "viewer");
    bea.driver.navigate().refresh();
    bea.textAppears("#my-role", "viewer");
    bea.gone("#create-agent");
    // An agent's page, for a viewer: everything to read, nothing to change.
    String agent =
        ApiCalls.send(
                http,
                port,
                "POST",
                "/api/agents",
                owner.sessionToken(),
                new JsonObject().put("name", "watched"))
            .json()
            .getString("id");
    bea.driver.navigate().refresh();
    bea.visible("tr[data-agent-name='watched']");
    bea.gone("tr[data-agent-name='watched'] .row-actions");
    shot(bea, "04-viewer-agents");
    bea.open("#/agents/" + agent);
    bea.textAppears("#agent-name", "watched");
    bea.visible("#event-log");
    bea.visible("#verify-chain");
    for (String control :
        List.of(
            "#message-card",
            "#rename-agent",
            "#toggle-enabled",
            "#delete-agent",
            "#rotate-secret",
            "#schedule-form",
            "#timer-form")) {
      bea.gone(control);
    }
    shot(bea, "04-viewer-agent");
    bea.click("#back-to-agents");
    bea.visible("tr[data-agent-name='watched']");

    // An API token: shown once, usable, listed; gone from the page once left; revoked, refused.
    owner.click("#page-nav a[data-page=tokens]");
    owner.type("#token-name", "ci-deploy");
    new Select(owner.visible("#token-role")).selectByValue("operator");
    new Select(owner.visible("#token-expiry")).selectByValue("30");
    owner.click("#token-submit");
    String token = owner.visible("#new-token-value").getText();
    assertThat(token).matches("pcy_[0-9a-f]{64}");
    owner.textAppears("tr[data-token-name='ci-deploy']", "operator");
    owner.textAppears("tr[data-token-name='ci-deploy']", "active");
    assertThat(owner.unlabelledFields()).asList().isEmpty();
    shot(owner, "05-token-created");
    assertThat(call("GET", "/api/agents", token).status()).isEqualTo(200);
    // The token signs a browser in too, as what it is: its role, no token making, and logging
    // out only forgets it (it still works until revoked).
    bea.click("#logout");
    bea.click("#kind-session");
    bea.type("#login-token", token);
    bea.click("#login-submit");
    bea.textAppears("#my-role", "operator");
    bea.click("#page-nav a[data-page=tokens]");
    bea.textAppears("tr[data-token-name='ci-deploy']", "active");
    bea.gone("#token-form");
    bea.click("#logout");
    bea.visible("#login-form");
    assertThat(call("GET", "/api/agents", token).status()).isEqualTo(200);
    owner.click("#page-nav a[data-page=members]");
    owner.click("#page-nav a[data-page=tokens]");
    owner.textAppears("tr[data-token-name='ci-deploy']", "active");
    owner.gone("#new-token");
    assertThat(owner.driver.getPageSource()).doesNotContain(token);
    owner.clickTwice("button[aria-label='Revoke token ci-deploy']", "Confirm");
    owner.textAppears("tr[data-token-name='ci-deploy']", "revoked");
    assertThat(call("GET", "/api/agents", token).status()).isEqualTo(401);
    shot(owner, "06-tokens");

    // The audit log lists each act, its chain is intact, it filters and exports.
    owner.click("#page-nav a[data-page=audit]");
    owner.textAppears("#audit-verify", "intact");
    for (String action :
        List.of(
            "invitation.create",
            "invitation.accept",
            "member.role_set",
            "token.create",
            "token.revoke")) {
      owner.visible("#audit-body tr[data-action='" + action + "']");
    }
    assertThat(owner.unlabelledFields()).asList().isEmpty();
    shot(owner, "07-audit");
    owner.driver.manage().window().setSize(new Dimension(390, 900));
    shot(owner, "07-audit-phone");
    owner.driver.manage().window().setSize(new Dimension(1280, 1000));
    owner.type("#audit-action", "token.create");
    owner.click("#audit-apply");
    owner.gone("#audit-body tr[data-action='invitation.create']");
    assertThat(owner.all("#audit-body tr[data-action]"))
        .isNotEmpty()
        .allSatisfy(tr -> assertThat(tr.getDomAttribute("data-action")).isEqualTo("token.create"));
    owner.click("#audit-export");
    Path downloads = Chromium.downloads(work.resolve("browser-owner"));
    await().atMost(Duration.ofSeconds(20)).until(() -> exported(downloads) != null);
    List<String> lines = Files.readAllLines(exported(downloads));
    assertThat(lines).isNotEmpty();
    // The export takes the filters shown: the token creations, each with its chain hashes.
    assertThat(lines)
        .allSatisfy(
            line -> {
              JsonObject entry = new JsonObject(line);
              assertThat(entry.getString("action")).isEqualTo("token.create");
              assertThat(entry.getString("hash")).matches("[0-9a-f]{64}");
            });

    // No secret ever reached a console; nothing failed there that the test did not cause.
    assertThat(owner.consoleProblems())
        .allSatisfy(m -> assertThat(m).contains("/api/login - Failed to load resource"));
    assertThat(bea.consoleProblems()).allSatisfy(m -> assertThat(m).contains("403"));
    for (Chromium b : browsers) {
      assertThat(String.join("\n", b.consoleProblems()))
          .doesNotContain(token)
          .doesNotContain(link.substring(link.indexOf("inv_")));
    }
  }

  /** The finished JSON-lines export in {@code dir}, or null while there is none. */
  private static Path exported(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElse(null);
    }
  }

  @Test
  void refusalsSwitchingWorkspacesAndTheSingleSignOnLandingWorkInThePage() throws Exception {
    start();
    Chromium owner = owner();
    // Single sign-on is not configured here: no button, the token form alone.
    owner.click("#logout");
    owner.visible("#login-form");
    assertThat(owner.all("#sso-login")).isEmpty();
    owner.type("#login-token", BOOTSTRAP);
    owner.click("#login-submit");
    owner.visible("#agents-table");

    // The last owner cannot leave: the server's words, in place.
    owner.click("#page-nav a[data-page=members]");
    owner.clickTwice("#leave-workspace", "Confirm");
    owner.textAppears("#members-error", "409");
    owner.textAppears("#members-error", "last_owner");
    shot(owner, "08-last-owner");

    // A revoked invitation, then a used one: each refused with what to do next.
    String revoked = invite(owner, "cy@example.com", "viewer");
    owner.clickTwice(
        "button[aria-label='Revoke the invitation of cy@example.com']", "Confirm revoke");
    owner.textAppears("tr[data-email='cy@example.com']", "revoked");
    Chromium other = browser("other");
    accept(other, revoked, "Cy");
    other.textAppears("#accept-error", "invitation_revoked");
    String once = invite(owner, "dee@example.com", "operator");
    accept(other, once, "Dee");
    other.textAppears("#my-role", "operator");
    accept(other, once, "Dee again");
    other.textAppears("#accept-error", "invitation_used");
    shot(other, "09-invitation-used");

    // The member who joined leaves: signed out, and told so.
    other.open("#/members");
    other.clickTwice("#leave-workspace", "Confirm");
    other.visible("#login-form");
    other.textAppears("#login-form .notice", "You left");
    assertThat(other.sessionToken()).isNull();

    // A member the owner removes: their open page finds its session ended (its next poll is 401).
    String eve = invite(owner, "eve@example.com", "viewer");
    accept(other, eve, "Eve");
    other.textAppears("#my-role", "viewer");
    owner.click("#page-nav a[data-page=members]");
    owner.clickTwice("button[aria-label='Remove eve@example.com']", "Confirm remove");
    owner.textAppears("#members-status", "eve@example.com was removed");
    owner.gone("tr[data-email='eve@example.com']");
    other.visible("#login-form");
    other.textAppears("#login-form .notice", "session has ended");
    assertThat(other.sessionToken()).isNull();

    // A second workspace: the header offers a switch, and the pages follow it.
    String session = owner.sessionToken();
    ApiCalls.Answer created =
        ApiCalls.send(
            http, port, "POST", "/api/workspaces", session, new JsonObject().put("name", "second"));
    assertThat(created.status()).isEqualTo(201);
    String second = created.json().getString("id");
    String first = call("GET", "/api/me", session).json().getString("workspace_id");
    assertThat(
            ApiCalls.send(
                    http,
                    port,
                    "POST",
                    "/api/agents",
                    session,
                    new JsonObject().put("name", "first-ws-agent"))
                .status())
        .isEqualTo(201);
    owner.open("#/agents");
    owner.driver.navigate().refresh();
    owner.textAppears("#agents-body", "first-ws-agent");
    Select workspaces = new Select(owner.visible("#workspace-switch"));
    assertThat(workspaces.getOptions()).hasSize(2);
    workspaces.selectByValue(second);
    owner.textAppears("#agents-body", "No agents yet");
    owner.textAppears("#my-role", "owner");
    assertThat(call("GET", "/api/me", session).json().getString("workspace_id")).isEqualTo(second);
    shot(owner, "10-second-workspace");
    new Select(owner.visible("#workspace-switch")).selectByValue(first);
    owner.textAppears("#agents-body", "first-ws-agent");

    // Single sign-on lands on #/sso/<session token>: kept like a log-in, gone from the URL.
    ApiCalls.Answer login =
        ApiCalls.send(http, port, "POST", "/api/login", BOOTSTRAP, new JsonObject());
    String landed = login.json().getString("session_token");
    Chromium sso = browser("sso");
    sso.open("#/sso/" + landed);
    sso.visible("#agents-table");
    assertThat(sso.url()).endsWith("/#/agents").doesNotContain(landed);
    assertThat(sso.sessionToken()).isEqualTo(landed);
  }

  @Test
  void aPersonSignsInWithSsoThroughARealProviderAndLandsSignedIn() throws Exception {
    String callback = "http://127.0.0.1:" + port + "/api/auth/oidc/callback";
    JsonObject olga =
        new JsonObject()
            .put("email", "olga@example.com")
            .put("email_verified", true)
            .put("name", "Olga Ops")
            .put("groups", new JsonArray().add("pincery-ops"));
    JsonObject client =
        new JsonObject()
            .put("client_id", "pincery")
            .put("client_secret", "pincery-browser-client-secret-0123456789")
            .put("redirect_uris", new JsonArray().add(callback));
    try (OidcProvider provider =
        new OidcProvider(
            new JsonObject()
                .put("clients", new JsonArray().add(client))
                .put("accounts", new JsonObject().put("olga", olga)))) {
      start(
          Map.of(
              "OPEN_PINCERY_PUBLIC_URL", "http://127.0.0.1:" + port,
              "OIDC_ISSUER", provider.issuer(),
              "OIDC_CLIENT_ID", "pincery",
              "OIDC_CLIENT_SECRET", client.getString("client_secret"),
              "OIDC_ALLOWED_DOMAINS", "example.com",
              "OIDC_ROLE_MAP", "pincery-ops=operator",
              "OIDC_SCOPES", "openid email profile groups"));
      // People join the installation's workspace: it exists once the owner has bootstrapped.
      assertThat(
              ApiCalls.send(http, port, "POST", "/api/bootstrap", BOOTSTRAP, new JsonObject())
                  .status())
          .isEqualTo(201);

      Chromium someone = browser("someone");
      someone.open("");
      someone.visible("#login-form");
      assertThat(someone.visible("#sso-login").getText()).isEqualTo("Sign in with SSO");
      assertThat(someone.visible("#sso-login").getDomProperty("href"))
          .isEqualTo("http://127.0.0.1:" + port + "/api/auth/oidc/login");
      shot(someone, "11-login-sso");
      someone.click("#sso-login");
      // The provider's own sign-in page, then back through the gateway's callback.
      someone.type("input[name=login]", "olga");
      someone.click("button");
      someone.visible("#agents-table");
      someone.textAppears("#whoami", "olga@example.com");
      someone.textAppears("#my-role", "operator");
      String session = someone.sessionToken();
      assertThat(session).matches("[0-9a-f]{64}");
      assertThat(someone.url())
          .isEqualTo("http://127.0.0.1:" + port + "/#/agents")
          .doesNotContain(session);
      assertThat(call("GET", "/api/me", session).json().getString("email"))
          .isEqualTo("olga@example.com");
      assertThat(String.join("\n", someone.consoleProblems())).doesNotContain(session);
      shot(someone, "12-signed-in-with-sso");
    }
  }
}
