package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.StoredEvent;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.vault.Vault;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.wake.sandbox.SandboxConfig;

/**
 * The escape suite: each attempt is a shell call the scripted model asks for, run through the real
 * wake loop in the real sandbox, and each must fail and be reported. Never skipped: without
 * bubblewrap this class fails (CI installs it).
 */
class ShellSandboxTest {

  private static final String SECRET = "s3cr3t-Value-that-must-never-leak";
  private static Path root;
  private static EngineFixture f;
  private static final Vault VAULT = Vault.of(Vault.newKey());
  private static final AtomicReference<Sandbox> SANDBOX = new AtomicReference<>();

  // Every log line of this JVM while the suite runs, to grep for the secret.
  private static final ch.qos.logback.core.read.ListAppender<
          ch.qos.logback.classic.spi.ILoggingEvent>
      LOGS = new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    ch.qos.logback.classic.Logger rootLogger =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    LOGS.start();
    rootLogger.addAppender(LOGS);
    root = Files.createTempDirectory("pincery-sandbox-test");
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Map<String, String> settings = new HashMap<>();
    settings.put("OPEN_PINCERY_SANDBOX", "bubblewrap");
    settings.put("OPEN_PINCERY_SANDBOX_ROOT", root.resolve("work").toString());
    settings.put("SHELL_TIMEOUT_SECONDS", "3");
    settings.put("SHELL_CPU_SECONDS", "1");
    settings.put("SHELL_MEMORY_MB", "64");
    settings.put("SHELL_FILE_SIZE_MB", "8");
    settings.put("SHELL_PROCESSES", "64");
    settings.put("SHELL_OUTPUT_BYTES", "4096");
    settings.put("LLM_TIMEOUT_SECONDS", "30");
    f =
        new EngineFixture(
            settings,
            env -> {
              Sandbox sandbox = Sandbox.probe(SandboxConfig.from(env));
              SANDBOX.set(sandbox);
              return WakeWorkerVerticle.tools(sandbox, Optional.of(VAULT));
            });
    assertThat(SANDBOX.get().usable()).as(SANDBOX.get().profile()).isTrue();
    var sealed = VAULT.seal(f.workspace, "api_key", SECRET);
    f.store.credentials().create(f.workspace, "api_key", sealed).await();
  }

  @AfterAll
  static void stop() {
    f.close();
    // No log line of the whole suite (workers, store, sandbox) carries the secret.
    assertThat(LOGS.list).isNotEmpty();
    assertThat(LOGS.list)
        .noneMatch(
            e ->
                e.getFormattedMessage().contains(SECRET)
                    || (e.getThrowableProxy() != null
                        && String.valueOf(e.getThrowableProxy().getMessage()).contains(SECRET)));
  }

  /** Runs one shell call in a wake of a new agent; returns the tool_result's output as JSON. */
  private static JsonObject shell(String agentName, String command) {
    return shell(f.agent(agentName), command, new JsonObject());
  }

  private static JsonObject shell(UUID agent, String command, JsonObject env) {
    String args = new JsonObject().put("command", command).put("env", env).encode();
    f.model
        .then(new ToolCalls(List.<String[]>of(new String[] {"shell", args}), 10, 10))
        .then(new Text("done", "stop", 10, 10));
    int wakes = f.events(agent, "wake_end").size();
    if (f.state(agent).status() == org.openpincery.model.AgentStatus.MAINTENANCE) {
      f.finishMaintenance(agent); // no maintenance worker here: play its part
    }
    f.message(agent, "run it");
    f.awaitWakeEnd(agent, wakes + 1);
    StoredEvent result = f.events(agent, "tool_result").getLast();
    assertThat(result.payload().getString("sandbox")).startsWith("bubblewrap");
    String output = result.toolOutput();
    return output.startsWith("{") ? new JsonObject(output) : new JsonObject().put("error", output);
  }

  private static long sandboxProcesses() throws Exception {
    Process p = new ProcessBuilder("pgrep", "-u", "65534").start();
    return new String(p.getInputStream().readAllBytes()).lines().count();
  }

  /** The killed tree is reaped by the kernel right after the call returns: wait for that. */
  private static void awaitNoSandboxProcesses() {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(() -> sandboxProcesses() == 0);
  }

  @Test
  void aCommandRunsInItsOwnPersistentWorkDirectory() {
    UUID agent = f.agent("worker");
    JsonObject first = shell(agent, "id -u; pwd; echo kept > notes.txt", new JsonObject());
    assertThat(first.getInteger("exit_code")).isZero();
    assertThat(first.getString("stdout")).contains("65534").contains("/work");
    JsonObject second = shell(agent, "cat notes.txt", new JsonObject());
    assertThat(second.getString("stdout")).isEqualTo("kept\n");
  }

  @Test
  void systemSecretsAndTheWorkersEnvironmentAreOutOfReach() {
    JsonObject shadow = shell("shadow-reader", "cat /etc/shadow");
    assertThat(shadow.getInteger("exit_code")).isNotZero();
    long pid = ProcessHandle.current().pid();
    JsonObject environ =
        shell("environ-reader", "cat /proc/" + pid + "/environ; ls /proc | head -20");
    assertThat(environ.getString("stdout")).doesNotContain("JAVA_HOME").doesNotContain("PATH=");
    assertThat(environ.getString("stderr")).contains("No such file");
  }

  @Test
  void nothingOutsideTheWorkDirectoryIsWritable() {
    JsonObject r =
        shell(
            "vandal",
            "touch /usr/pincery-x; echo $?; touch /etc/pincery-x; echo $?; touch /pincery-x; echo $?;"
                + " touch /tmp/ok && echo tmp-ok");
    assertThat(r.getString("stdout")).doesNotContain("\n0\n").contains("tmp-ok");
    assertThat(Path.of("/usr/pincery-x")).doesNotExist();
    assertThat(Path.of("/pincery-x")).doesNotExist();
  }

  @Test
  void thereIsNoNetworkAtAllNotEvenTheHostsLoopback() throws Exception {
    try (ServerSocket listening =
        new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      listening.setSoTimeout(1);
      JsonObject r =
          shell(
              "networker",
              "bash -c 'echo hi > /dev/tcp/127.0.0.1/"
                  + listening.getLocalPort()
                  + "' && echo loopback-open;"
                  + " getent hosts example.com && echo dns-works;"
                  + " bash -c 'echo hi > /dev/tcp/1.1.1.1/80' && echo internet-open; true");
      assertThat(r.getString("stdout"))
          .doesNotContain("loopback-open")
          .doesNotContain("dns-works")
          .doesNotContain("internet-open");
      assertThat(r.getString("stderr")).contains("Network is unreachable");
      try {
        listening.accept().close();
        throw new AssertionError("the sandbox reached the host's loopback");
      } catch (java.net.SocketTimeoutException expected) {
        // nothing connected
      }
    }
  }

  @Test
  void aForkBombIsContainedAndLeavesNothingBehind() throws Exception {
    JsonObject r =
        shell("forker", "i=0; while [ $i -lt 500 ]; do sleep 30 & i=$((i+1)); done; echo forked");
    assertThat(r.getString("stderr")).containsAnyOf("fork", "Resource temporarily unavailable");
    awaitNoSandboxProcesses();
  }

  @Test
  void memoryCpuAndFileSizeLimitsKillTheCommand() {
    JsonObject memory = shell("balloon", "head -c 500000000 /dev/zero | tail > /dev/null");
    assertThat(memory.getInteger("exit_code")).isNotZero();
    assertThat(memory.getString("stderr")).contains("memory exhausted");

    JsonObject cpu = shell("spinner", "while :; do :; done");
    assertThat(cpu.getInteger("exit_code")).isNotZero();
    assertThat(cpu.getBoolean("timed_out")).isFalse();

    UUID writer = f.agent("big-writer");
    JsonObject file =
        shell(writer, "head -c 1073741824 /dev/zero > big; echo $?; ls -l big", new JsonObject());
    assertThat(file.getString("stderr")).contains("File size limit exceeded");
    assertThat(SANDBOX.get().config().root().resolve(writer.toString()).resolve("big"))
        .satisfies(p -> assertThat(Files.size(p)).isLessThanOrEqualTo(8L * 1024 * 1024));
  }

  @Test
  void aProcessIgnoringSigtermIsKilledAtTheWallClockAndAChildLeftRunningDiesToo() throws Exception {
    JsonObject stubborn = shell("stubborn", "trap '' TERM; sleep 60");
    assertThat(stubborn.getBoolean("timed_out")).isTrue();
    assertThat(stubborn.getLong("duration_ms")).isLessThan(10_000L);
    awaitNoSandboxProcesses();

    JsonObject leaver = shell("leaver", "sleep 60 & echo started");
    assertThat(leaver.getString("stdout")).isEqualTo("started\n");
    awaitNoSandboxProcesses();
  }

  @Test
  void anotherAgentsWorkDirectoryIsOutOfReach() {
    UUID owner = f.agent("owner");
    shell(owner, "echo private > diary.txt", new JsonObject());
    Path diary = SANDBOX.get().config().root().resolve(owner.toString()).resolve("diary.txt");
    assertThat(diary).exists();
    JsonObject r = shell("snoop", "cat " + diary + "; cat ../" + owner + "/diary.txt; ls /work/..");
    assertThat(r.getString("stdout")).doesNotContain("private").doesNotContain(owner.toString());
  }

  @Test
  void aSecretInjectedByPlaceholderNeverAppearsAnywhere() throws Exception {
    UUID agent = f.agent("injected");
    JsonObject r =
        shell(
            agent,
            "echo \"$TOKEN\"; printf %s \"$TOKEN\" | base64; echo \"length ${#TOKEN}\"",
            new JsonObject().put("TOKEN", "PLACEHOLDER:api_key"));
    assertThat(r.getString("stdout"))
        .isEqualTo("[REDACTED:api_key]\n[REDACTED:api_key]\nlength " + SECRET.length() + "\n");
    assertThat(r.getString("stdout")).doesNotContain(SECRET);
    String b64 = java.util.Base64.getEncoder().encodeToString(SECRET.getBytes());
    for (String table : List.of("events", "model_calls", "credentials")) {
      try (Connection c = TestPostgres.connect(f.url);
          ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT count(*) FROM "
                          + table
                          + " t WHERE t::text LIKE '%"
                          + SECRET
                          + "%' OR t::text LIKE '%"
                          + b64.replace("=", "")
                          + "%'")) {
        rs.next();
        assertThat(rs.getLong(1)).as(table).isZero();
      }
    }
  }

  @Test
  void anUnknownOrRevokedCredentialFailsTheCallClosed() {
    UUID agent = f.agent("unresolved");
    JsonObject r =
        shell(
            agent, "echo should-not-run > ran.txt", new JsonObject().put("X", "PLACEHOLDER:nope"));
    assertThat(r.getString("error")).contains("credential 'nope' is unknown or revoked");
    assertThat(f.events(agent, "credential_unresolved"))
        .singleElement()
        .satisfies(e -> assertThat(e.payload().getString("name")).isEqualTo("nope"));
    assertThat(SANDBOX.get().config().root().resolve(agent.toString()).resolve("ran.txt"))
        .doesNotExist();
  }

  @Test
  void metricsCountShellCallsByOutcome() {
    double before = toolCalls("timeout");
    double deniedBefore = toolCalls("denied");
    shell("timer-outer", "sleep 30");
    shell(f.agent("denied"), "true", new JsonObject().put("K", "PLACEHOLDER:missing"));
    assertThat(toolCalls("timeout")).isEqualTo(before + 1);
    assertThat(toolCalls("denied")).isEqualTo(deniedBefore + 1);
    assertThat(toolCalls("ok")).isPositive();
  }

  private static double toolCalls(String outcome) {
    var c =
        f.registry
            .find("pincery_tool_calls")
            .tag("tool", "shell")
            .tag("outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void outputIsCappedAndTheCapIsVisible() {
    JsonObject r = shell("chatty", "head -c 100000 /dev/zero | tr '\\0' x");
    assertThat(r.getBoolean("stdout_truncated")).isTrue();
    assertThat(r.getInteger("output_cap_bytes")).isEqualTo(4096);
    assertThat(r.getString("stdout")).hasSize(4096);
  }

  @Test
  void outputWithNulBytesIsStoredAndTheWakeCompletes() {
    UUID agent = f.agent("nul-printer");
    JsonObject r = shell(agent, "printf 'a\\000b'; printf 'c\\000d' >&2", new JsonObject());
    assertThat(r.getString("stdout")).isEqualTo("a\u0000b");
    assertThat(r.getString("stderr")).isEqualTo("c\u0000d");
    assertThat(f.events(agent, "wake_end").getLast().terminationReason()).isEqualTo("completed");
    assertThat(f.events(agent, "wake_start")).hasSize(1);
  }
}
