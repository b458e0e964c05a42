package org.openpincery.testkit;

import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Third-party Node libraries run as real processes by tests (webhook signers, OpenAPI validators):
 * a test's {@code src/test/node} files copied to a folder under {@code target}, {@code npm ci} from
 * their lock file there, then commands (or a {@link Server}) run in it. Needs {@code node} and
 * {@code npm} (Debian {@code nodejs}, {@code npm}) and, the first time, the npm registry.
 */
public final class NodeTools {

  /** What a command did: its exit code and what it wrote. */
  public record Result(int exit, String out, String err) {}

  private NodeTools() {}

  /**
   * {@link #install} of a package whose files ship in this jar under {@code resources} (beside
   * {@code owner}): they are written to {@code target/<name>} and npm installs them there, so the
   * sources stay clean.
   *
   * @throws IllegalStateException when a file is missing from the jar
   */
  public static Path installFromClasspath(
      Class<?> owner, String resources, List<String> files, String name) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", name).toAbsolutePath());
    for (String f : files) {
      try (java.io.InputStream in = owner.getResourceAsStream(resources + "/" + f)) {
        if (in == null) {
          throw new IllegalStateException(resources + "/" + f + " is missing from testkit");
        }
        Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return install(dir, dir, List.of());
  }

  /**
   * Copies {@code files} from {@code source} to {@code dir} and runs {@code npm ci} there.
   *
   * @throws IllegalStateException naming the Debian packages to install when node is missing, or
   *     with npm's output when {@code npm ci} fails
   */
  public static Path install(Path source, Path dir, List<String> files) throws Exception {
    Files.createDirectories(dir);
    for (String f : files) {
      Files.copy(source.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    try {
      run(dir, null, 60, "node", "--version");
    } catch (IOException e) {
      throw new IllegalStateException(
          "node is not installed: these tests run third-party Node libraries;"
              + " install the Debian packages nodejs and npm (apt-get install -y nodejs npm)",
          e);
    }
    Result ci = run(dir, null, 300, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
    if (ci.exit() != 0) {
      throw new IllegalStateException("npm ci in " + dir + " failed: " + ci.err());
    }
    return dir;
  }

  /**
   * Runs {@code command} in {@code dir} with {@code stdin} (or none) as its input.
   *
   * @throws IllegalStateException when it does not finish within {@code seconds} (it is killed)
   */
  public static Result run(Path dir, String stdin, int seconds, String... command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("node-tools", ".out");
    Path err = Files.createTempFile("node-tools", ".err");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish within " + seconds + " s");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * A long-running Node process (a test's server) that announces itself with one JSON line on its
   * standard output, for as long as the test holds it. Its standard input stays open, so a script
   * can exit when this JVM does; its output is kept in files of its folder.
   */
  public static final class Server implements AutoCloseable {

    private final Process process;
    private final JsonObject announced;

    private Server(Process process, JsonObject announced) {
      this.process = process;
      this.announced = announced;
    }

    /**
     * Runs {@code node script args...} in {@code dir} and waits up to 30 s for its first line.
     *
     * @throws IllegalStateException with what the script wrote to its standard error when it dies
     *     before announcing itself
     */
    public static Server start(Path dir, String script, String... args) throws IOException {
      String name = script.replaceFirst("\\.[^.]*$", "");
      Path out = Files.createTempFile(dir, name, ".out");
      Path err = Files.createTempFile(dir, name, ".err");
      List<String> command = new ArrayList<>(List.of("node", script));
      command.addAll(List.of(args));
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      String line =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> {
                    if (!process.isAlive()) {
                      throw new IllegalStateException(script + " died: " + Files.readString(err));
                    }
                    List<String> lines = Files.readAllLines(out);
                    return lines.isEmpty() ? null : lines.get(0);
                  },
                  l -> l != null);
      return new Server(process, new JsonObject(line));
    }

    /** The JSON object of the script's first line (a port, an issuer URL...). */
    public JsonObject announced() {
      return announced;
    }

    /** Stops the process (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
