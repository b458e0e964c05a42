package org.openpincery.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.openpincery.bench.Pgbench;

/**
 * Installs a toolchain's drivers at run time, never into git: {@code npm install} of
 * bench/peers/node into {@link PeerSystem#NODE_DIR}, {@code mvn package} of bench/peers/jvm into
 * {@link PeerSystem#JVM_DIR}.
 */
public final class PeerInstall {

  private PeerInstall() {}

  /** Empty when {@code toolchain} is ready; otherwise why its systems are skipped. */
  public static Optional<String> prepare(String toolchain) {
    try {
      return switch (toolchain) {
        case "bench" -> Optional.empty();
        case "pgbench" ->
            Pgbench.available() ? Optional.empty() : Optional.of("no pgbench on the PATH");
        case "node" -> node();
        case "maven" -> maven();
        default -> Optional.of("unknown toolchain " + toolchain);
      };
    } catch (IOException e) {
      return Optional.of(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  private static Optional<String> node() throws IOException, InterruptedException {
    Path src = Path.of("bench/peers/node");
    if (!Files.isDirectory(src)) {
      return Optional.of("bench/peers/node is missing");
    }
    if (!onPath("node") || !onPath("npm")) {
      return Optional.of("no node/npm on the PATH");
    }
    Files.createDirectories(PeerSystem.NODE_DIR);
    // ES-module imports resolve packages from the importing file's directory: the drivers go next
    // to node_modules. npm runs only when the pinned versions changed or nothing is installed.
    Path pinned = src.resolve("package.json");
    Path installed = PeerSystem.NODE_DIR.resolve("package.json");
    boolean current =
        Files.isDirectory(PeerSystem.NODE_DIR.resolve("node_modules"))
            && Files.isRegularFile(installed)
            && Files.mismatch(pinned, installed) == -1;
    try (Stream<Path> files = Files.list(src)) {
      for (Path f : files.filter(x -> x.toString().endsWith(".mjs")).toList()) {
        Files.copy(
            f, PeerSystem.NODE_DIR.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (current) {
      return Optional.empty();
    }
    Files.copy(pinned, installed, StandardCopyOption.REPLACE_EXISTING);
    return exec(
        "npm install",
        List.of(
            "npm",
            "install",
            "--prefix",
            PeerSystem.NODE_DIR.toString(),
            "--no-audit",
            "--no-fund",
            "--loglevel=error"));
  }

  private static Optional<String> maven() throws IOException, InterruptedException {
    if (!Files.isRegularFile(Path.of("bench/peers/jvm/pom.xml"))) {
      return Optional.of("bench/peers/jvm/pom.xml is missing");
    }
    if (!onPath("mvn")) {
      return Optional.of("no mvn on the PATH");
    }
    return exec(
        "mvn package", List.of("mvn", "-B", "-q", "-f", "bench/peers/jvm/pom.xml", "package"));
  }

  private static Optional<String> exec(String what, List<String> cmd)
      throws IOException, InterruptedException {
    System.out.println("  " + String.join(" ", cmd));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      String tail = out.length() > 2000 ? out.substring(out.length() - 2000) : out;
      return Optional.of(what + " failed (exit " + p.exitValue() + "):\n" + tail);
    }
    return Optional.empty();
  }

  private static boolean onPath(String exe) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, exe)));
  }
}
