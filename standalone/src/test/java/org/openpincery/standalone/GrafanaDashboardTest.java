package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * {@code docs/grafana/open-pincery.json} asks only for metrics the product really exports: its
 * PromQL is valid ({@code promtool check rules}), and every metric name in a panel or variable is
 * one that standalone's {@code METRICS_ADDR} serves after a message (with a tool call), a webhook
 * and a 429 have gone through it; and every {@code pincery_*} metric served has a panel.
 */
class GrafanaDashboardTest {

  private static final String BOOTSTRAP = "grafana-dashboard-bootstrap-token";
  private static final Path DASHBOARD = Path.of("docs", "grafana", "open-pincery.json");
  private static final Set<String> PROMQL_WORDS =
      Set.of("and", "or", "unless", "bool", "offset", "inf", "nan", "group_left", "group_right");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*+(?!\\s*\\()");

  private final HttpClient http = HttpClient.newHttpClient();
  private final ScriptedModelServer model = ScriptedModelServer.start();
  private Standalone app;

  @TempDir Path work;

  @AfterEach
  void stop() {
    if (app != null) {
      app.stop();
    }
    model.close();
  }

  @Test
  void everyMetricTheDashboardQueriesIsExportedAndEveryProductMetricHasAPanel() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(repositoryFile(DASHBOARD)));
    assertThat(dashboard.getInteger("schemaVersion")).isGreaterThanOrEqualTo(39);
    assertThat(dashboard.getJsonArray("__inputs").getJsonObject(0).getString("name"))
        .isEqualTo("DS_PROMETHEUS");
    List<String> expressions = expressions(dashboard);
    Set<String> queried = new TreeSet<>();
    expressions.forEach(e -> queried.addAll(metricNames(e)));
    assertThat(queried).contains("pincery_pending_agents", "vertx_http_server_requests_total");

    checkSyntax(expressions);

    Set<String> exported = exportedAfterTraffic();
    assertThat(queried)
        .as("metric names in the dashboard that the product does not export")
        .isSubsetOf(exported);
    Set<String> product = new TreeSet<>(exported);
    product.removeIf(n -> !n.startsWith("pincery_"));
    assertThat(queried).as("product metrics without a panel").containsAll(product);
  }

  @Test
  void readsTheMetricNamesOutOfPromQl() {
    assertThat(
            metricNames(
                "sum by (reason) (rate(pincery_wakes_ended_total{instance=~\"$instance\","
                    + "reason!=\"a b\"}[$__rate_interval])) / on (instance) group_left"
                    + " max(vertx_pool_in_use{pool_type=\"sql\"}) > bool 0.5 and up offset 5m"))
        .containsExactly("pincery_wakes_ended_total", "up", "vertx_pool_in_use");
  }

  /** Every panel's (and variable's) PromQL; every panel queries the DS_PROMETHEUS input. */
  private static List<String> expressions(JsonObject dashboard) {
    List<String> out = new ArrayList<>();
    for (Object o : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) o;
      if (panel.getString("type").equals("row")) {
        continue;
      }
      assertThat(panel.getJsonObject("datasource").getString("uid"))
          .as(panel.getString("title"))
          .isEqualTo("${DS_PROMETHEUS}");
      JsonArray targets = panel.getJsonArray("targets");
      assertThat(targets).as(panel.getString("title")).isNotEmpty();
      for (Object t : targets) {
        String expr = ((JsonObject) t).getString("expr");
        assertThat(expr).as(panel.getString("title")).isNotBlank();
        out.add(expr);
      }
    }
    for (Object o : dashboard.getJsonObject("templating").getJsonArray("list")) {
      String query = ((JsonObject) o).getJsonObject("query").getString("query");
      Matcher m = Pattern.compile("label_values\\(\\s*(.+),\\s*\\w+\\s*\\)").matcher(query);
      assertThat(m.matches()).as(query).isTrue();
      out.add(m.group(1));
    }
    return out;
  }

  /**
   * The metric names a PromQL expression selects: identifiers left once strings, label matchers,
   * ranges, grouping clauses and Grafana variables are taken out, except functions and operators.
   */
  static Set<String> metricNames(String expr) {
    String s =
        expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\$\\w+", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(s);
    while (m.find()) {
      boolean partOfNumber = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!partOfNumber && !PROMQL_WORDS.contains(m.group().toLowerCase())) {
        names.add(m.group());
      }
    }
    return names;
  }

  /** {@code promtool check rules} over every expression, Grafana's variables filled in. */
  private void checkSyntax(List<String> expressions) throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n- name: dashboard\n  rules:\n");
    for (int i = 0; i < expressions.size(); i++) {
      String expr = expressions.get(i).replace("$__rate_interval", "1m").replace("$instance", ".*");
      rules.append("  - record: dashboard:expr").append(i).append('\n');
      rules.append("    expr: ").append(Json.encode(expr)).append('\n');
    }
    Path file = work.resolve("dashboard-rules.yml");
    Files.writeString(file, rules);
    Path promtool = Path.of("/usr/bin/promtool");
    // ./pincery test installs it (Debian package prometheus); never skipped.
    assertThat(Files.isExecutable(promtool))
        .as("promtool is missing: apt-get install prometheus (./pincery test does this as root)")
        .isTrue();
    Process check =
        new ProcessBuilder(promtool.toString(), "check", "rules", file.toString())
            .redirectErrorStream(true)
            .start();
    String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(report).isZero();
  }

  /**
   * Runs standalone with metrics on, sends a message whose wake makes a tool call, a webhook and
   * requests past the unauthenticated limit, and returns the sample names {@code /metrics} serves.
   */
  private Set<String> exportedAfterTraffic() throws Exception {
    int port = FreePort.pick();
    int metricsPort = FreePort.pick();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("METRICS_ADDR", "127.0.0.1:" + metricsPort);
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "2");
    env.put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "0");
    env.put("LLM_API_BASE_URL", model.baseUrl());
    env.put("LLM_API_KEY", "dashboard-key");
    env.put("LLM_MODEL", "scripted");
    env.put("WAKE_POLL_MILLIS", "200");
    env.put("MAINTENANCE_POLL_MILLIS", "200");
    model
        .then(
            "check the dashboard",
            new ToolCalls(List.<String[]>of(new String[] {"list_timers", "{}"}), 100, 20))
        .then("check the dashboard", new Text("Nothing is scheduled.", "stop", 100, 20))
        .then(
            new Text(
                "{\"identity\": \"An agent.\", \"work_list\": \"-\", \"summary\": \"Checked.\"}",
                "stop",
                100,
                20));
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));

    String session =
        send(port, "POST", "/api/bootstrap", BOOTSTRAP, null, 201).getString("session_token");
    JsonObject agent =
        send(port, "POST", "/api/agents", session, new JsonObject().put("name", "dash"), 201);
    String id = agent.getString("id");
    send(
        port,
        "POST",
        "/api/agents/" + id + "/messages",
        session,
        new JsonObject().put("content", "check the dashboard"),
        202);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                send(port, "GET", "/api/agents/" + id + "/events", session, null, 200)
                    .getJsonArray("events")
                    .stream()
                    .anyMatch(
                        e -> ((JsonObject) e).getString("event_type").startsWith("maintenance_")));
    // A webhook with a wrong signature (rejected) and requests that fail authentication until the
    // unauthenticated limit answers 429.
    HttpResponse<String> webhook =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/agents/" + id + "/webhooks"))
                .header("content-type", "application/json")
                .header("X-Webhook-Signature", "sha256=" + "0".repeat(64))
                .POST(HttpRequest.BodyPublishers.ofString("{\"source\":\"ci\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(webhook.statusCode()).isEqualTo(401);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> status(port, "/api/agents", "not-a-session-token") == 429);

    // The GC pause timer exists from the JVM's first collection on (Micrometer registers it on the
    // first GC notification), which a short run may not have had yet: ask for one until it shows.
    String[] scraped = new String[1];
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              System.gc();
              scraped[0] = scrape(metricsPort);
              return scraped[0].contains("jvm_gc_pause_seconds_sum");
            });
    String text = scraped[0];
    Set<String> names = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    assertThat(names)
        .as("the traffic above must have registered the lazily created meters")
        .contains(
            "pincery_tool_calls_total", "pincery_wakes_ended_total", "pincery_rate_limited_total");
    return names;
  }

  private JsonObject send(
      int port, String method, String path, String token, JsonObject body, int expected)
      throws Exception {
    ApiCalls.Answer r = ApiCalls.send(http, port, method, path, token, body);
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.json();
  }

  private int status(int port, String path, String token) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private String scrape(int metricsPort) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** A file of the repository, from the module directory Maven runs tests in, or above it. */
  private static Path repositoryFile(Path relative) {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve(relative))) {
      dir = dir.getParent();
    }
    assertThat(dir).as(relative + " not found above the working directory").isNotNull();
    return dir.resolve(relative);
  }
}
