package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;
import org.openpincery.testkit.FreePort;

/**
 * The real {@code ./pcy} launcher as a process (after {@code package}: it runs the built jar),
 * against the standalone stack with the built-in offline model: what a user types.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PcyLauncherIT {

  @TempDir static Path home;

  private static CliStack stack;
  private static Path pcy;
  private static Path config;

  @BeforeAll
  static void start() {
    stack = CliStack.start(null);
    pcy = Path.of(System.getProperty("user.dir")).getParent().resolve("pcy");
    config = home.resolve("pcy").resolve("config.json");
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  record Ran(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return Json.parse(out);
    }
  }

  private static Ran withStdin(String stdin, String... args)
      throws IOException, InterruptedException {
    return run(stdin, Map.of(), args);
  }

  private static Ran run(String stdin, Map<String, String> extraEnv, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(pcy.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("OPEN_PINCERY_") || k.startsWith("PCY_"));
    env.put("OPEN_PINCERY_URL", stack.url());
    env.put("PCY_CONFIG", config.toString());
    env.putAll(extraEnv);
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    // The first run may prepare the JVM's start-up cache (a training run of some seconds).
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Ran(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Ran pcy(String... args) throws IOException, InterruptedException {
    return withStdin("", args);
  }

  @Test
  @Order(1)
  void theLauncherRunsEveryKindOfCommandAsAUserWould() throws Exception {
    Ran help = pcy("--help");
    assertThat(help.exit()).as(help.err()).isZero();
    assertThat(help.out()).contains("Usage: pcy").contains("Exit codes:");
    // Nothing on stderr but, on the first run after a build, the note that it prepares its cache.
    assertThat(help.err().lines().filter(l -> !l.startsWith("pcy: preparing a fast start")))
        .isEmpty();

    // The seed's form, word for word.
    Ran boot =
        pcy("--url", stack.url(), "bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.err()).isZero();
    assertThat(boot.json().get("user_id").asText()).isNotBlank();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-------");

    String value = "launcher-secret-value-91b2";
    Ran added = withStdin(value, "credential", "add", "launcher_token");
    assertThat(added.exit()).as(added.err()).isZero();
    assertThat(added.out() + added.err()).doesNotContain(value);
    assertThat(Files.readString(config)).doesNotContain(value);

    Ran created = pcy("agent", "create", "launched");
    assertThat(created.exit()).as(created.err()).isZero();
    Ran list = pcy("agent", "list");
    assertThat(list.json().get("agents"))
        .extracting(a -> a.get("name").asText())
        .contains("launched");

    Ran reply = pcy("message", "launched", "hi from the launcher", "--wait", "--timeout", "60s");
    assertThat(reply.exit()).as(reply.err()).isZero();
    assertThat(reply.json().get("reply").asText()).startsWith("[offline model]");

    Ran unknown = pcy("events", "nobody");
    assertThat(unknown.exit()).isEqualTo(4);
    assertThat(unknown.err().strip()).startsWith("pcy: no agent named 'nobody'");
    Ran down = pcy("--url", "http://127.0.0.1:" + FreePort.pick(), "status");
    assertThat(down.exit()).isEqualTo(5);
  }

  @Test
  @Order(2)
  void demoShowsPlainProgressWhenPipedAndTheOfflineModelsReply() throws Exception {
    Ran demo = pcy("demo", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(demo.exit()).as(demo.out() + demo.err()).isZero();
    assertThat(demo.out())
        .doesNotContain("\u001b")
        .containsPattern("(?m)^server: .* is ready$")
        .containsPattern("(?m)^session: (bootstrapped|logged in)")
        .containsPattern("(?m)^agent: created demo-")
        .contains("[offline model]")
        .containsPattern("(?m)^model: +the built-in offline model");

    Ran json = pcy("demo", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN, "-o", "json");
    assertThat(json.exit()).as(json.err()).isZero();
    assertThat(json.json().get("model").asText()).isEqualTo("the built-in offline model");
    assertThat(json.json().get("reply").asText()).startsWith("[offline model]");
  }

  @Test
  @Order(3)
  void anApiTokenInPcyTokenReadsWithoutASessionAndIsRefusedAWrite() throws Exception {
    Ran created = pcy("token", "create", "launcher-ci", "--role", "viewer");
    assertThat(created.exit()).as(created.err()).isZero();
    String token = created.json().get("token").asText();
    Map<String, String> script =
        Map.of("PCY_TOKEN", token, "PCY_CONFIG", home.resolve("none/config.json").toString());

    Ran read = run("", script, "agent", "list");
    assertThat(read.exit()).as(read.err()).isZero();
    assertThat(read.json().get("agents")).isNotNull();
    Ran write = run("", script, "agent", "create", "not-for-viewers");
    assertThat(write.exit()).isEqualTo(6);
    assertThat(write.err().strip()).startsWith("pcy: forbidden: ").endsWith("you are viewer");
    assertThat(Files.exists(home.resolve("none/config.json"))).isFalse();
  }

  @Test
  void bashCompletionFromTheLauncherRegistersWithBash() throws Exception {
    Ran script = pcy("completion", "bash");
    assertThat(script.exit()).isZero();
    Path file = home.resolve("pcy-completion.bash");
    Files.writeString(file, script.out());
    Process bash =
        new ProcessBuilder(
                "bash", "-c", "bash -n " + file + " && source " + file + " && complete -p pcy")
            .redirectErrorStream(true)
            .start();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(out).isZero();
    assertThat(out).contains("pcy");
  }
}
