package org.openpincery.standalone;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A {@code Main} of ours — standalone's, or one tier's — run as a real child process, as an
 * operator would run it.
 */
final class StandaloneProcess implements AutoCloseable {

  final Process process;
  final Path stdout;
  final Path stderr;

  private StandaloneProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  static StandaloneProcess start(Path workDir, Map<String, String> env) throws IOException {
    return start(Main.class.getName(), workDir, env);
  }

  /** Runs {@code mainClass} from this test's class path with only {@code env} of our settings. */
  static StandaloneProcess start(String mainClass, Path workDir, Map<String, String> env)
      throws IOException {
    return start(mainClass, List.of(), workDir, env);
  }

  /** The same, with arguments (such as a tier's name). */
  static StandaloneProcess start(
      String mainClass, List<String> args, Path workDir, Map<String, String> env)
      throws IOException {
    Files.createDirectories(workDir);
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, mainClass));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("OPEN_PINCERY_")
                    || k.equals("DATABASE_URL")
                    || k.equals("METRICS_ADDR")
                    || k.startsWith("LLM_"));
    pb.environment().putAll(env);
    Path out = Files.createTempFile(workDir, "stdout", ".log");
    Path err = Files.createTempFile(workDir, "stderr", ".log");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new StandaloneProcess(pb.start(), out, err);
  }

  /** Waits for the process to end by itself and returns its exit code. */
  int exitCode() throws InterruptedException {
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("standalone did not exit within 120 s");
    }
    return process.exitValue();
  }

  String stderrText() throws IOException {
    return Files.readString(stderr);
  }

  String stdoutText() throws IOException {
    return Files.readString(stdout);
  }

  /** SIGTERM, as a service manager sends it, then wait. */
  int terminate() throws InterruptedException {
    process.destroy();
    return exitCode();
  }

  /** Waits until {@code GET /ready} on {@code port} answers 200; fails fast if the process ends. */
  void awaitReady(int port) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .failFast("standalone exited", () -> !process.isAlive())
        .until(() -> readyStatus(http, port) == 200);
  }

  private static int readyStatus(HttpClient http, int port) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static int freePort() {
    return org.openpincery.testkit.FreePort.pick();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
