package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.TestPostgres;

/**
 * The control plane's Notifications page in real headless Chromium against the whole standalone
 * stack, whose deliverer posts to a local receiver: subscribe with kinds (the secret shown once),
 * send a test and see it delivered with its attempt, disable, delete. Screenshot: {@code
 * target/ui-screenshots/notifications.png}.
 */
class NotificationsBrowserTest {

  private static final String BOOTSTRAP = "notify-browser-bootstrap-token-0042";

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private final List<String> received = new CopyOnWriteArrayList<>();
  private Standalone app;
  private Chromium browser;
  private HttpServer receiver;

  @BeforeEach
  void start() throws IOException {
    assertThat(Chromium.BINARY).as("Debian's chromium").isExecutable();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          received.add(exchange.getRequestHeaders().getFirst("webhook-id"));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("NOTIFY_POLL_MILLIS", "200");
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    browser = new Chromium(work.resolve("browser"), port);
  }

  @AfterEach
  void stop() throws IOException {
    if (browser != null) {
      browser.screenshot(Path.of("target", "ui-screenshots", "notifications-last.png"));
      browser.close();
    }
    if (app != null) {
      app.stop();
    }
    receiver.stop(0);
  }

  @Test
  void anAdminSubscribesSeesTheSecretOnceSendsATestAndSeesItDelivered() throws Exception {
    browser.open("");
    browser.type("#login-token", BOOTSTRAP);
    browser.click("#login-submit");
    browser.visible("#agents-table");
    browser.click("#page-nav a[data-page=notifications]");
    browser.visible("#subscription-form");

    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    browser.type("#subscription-url", url);
    browser.type("#subscription-description", "pager");
    browser.click("#subscription-submit");
    browser.textAppears("#subscription-error", "at least one kind");
    browser.click("#kind-wake-failed");
    browser.click("#kind-chain-broken");
    browser.click("#subscription-submit");
    String secret = browser.visible("#new-subscription-secret-value").getText();
    assertThat(secret).startsWith("whsec_");
    browser.textAppears("#subscriptions-body", url);
    browser.textAppears("#subscriptions-body", "chain.broken");
    assertThat(browser.visible("#subscriptions-body").getText()).doesNotContain(secret);

    browser.click("#subscriptions-body button[aria-label^='Send a test']");
    browser.textAppears("#deliveries-body", "notification.test");
    browser.textAppears("#deliveries-body", "delivered");
    browser.textAppears("#deliveries-body", "HTTP 204");
    assertThat(received).hasSize(1);
    browser.screenshot(Path.of("target", "ui-screenshots", "notifications.png"));

    browser.click("#subscriptions-body button[aria-label^='Disable']");
    browser.visible("#subscriptions-body tr[data-enabled=false]");
    browser.clickTwice("#subscriptions-body button[aria-label^='Delete']", "Confirm delete");
    browser.textAppears("#subscriptions-body", "No subscriptions yet.");
    // The log-in form's first try (login before bootstrap) is the only failed request; the secret
    // never reached the console.
    assertThat(browser.consoleProblems())
        .allSatisfy(m -> assertThat(m).contains("/api/login - Failed to load resource"));
    assertThat(String.join("\n", browser.consoleProblems())).doesNotContain(secret);
  }
}
