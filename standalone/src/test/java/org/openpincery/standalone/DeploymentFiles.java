package org.openpincery.standalone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files as their own tools render them: {@code docker-compose config} and {@code
 * kubectl kustomize} (Debian packages docker-compose and kubectl; {@code ./pincery test} installs
 * them). A missing tool fails the test, naming its package.
 */
final class DeploymentFiles {

  /** The environment the compose file is rendered with, as an operator's .env would give it. */
  static final Map<String, String> DOT_ENV =
      Map.of(
          "POSTGRES_PASSWORD", "compose-test-password",
          "OPEN_PINCERY_BOOTSTRAP_TOKEN", "compose-test-bootstrap-token-0123456789",
          "OPEN_PINCERY_VAULT_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
          "LLM_API_KEY", "compose-test-llm-key");

  private DeploymentFiles() {}

  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("docker-compose.yml not found above the working directory");
    }
    return dir;
  }

  /** {@code docker-compose -f FILE... config}, parsed. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> compose(String... files) throws Exception {
    List<String> command = new ArrayList<>(List.of("docker-compose"));
    for (String f : files) {
      command.add("-f");
      command.add(f);
    }
    command.add("config");
    String out = run(command, DOT_ENV, "docker-compose");
    return (Map<String, Object>) new Yaml().load(out);
  }

  /** {@code kubectl kustomize DIR}, each document parsed. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> kustomize(String dir) throws Exception {
    String out = run(List.of("kubectl", "kustomize", dir), Map.of(), "kubectl");
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(out)) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }

  /** A compose service's environment as strings. */
  @SuppressWarnings("unchecked")
  static Map<String, String> environment(Map<String, Object> service) {
    Map<String, String> env = new LinkedHashMap<>();
    Object raw = service.get("environment");
    if (raw instanceof Map<?, ?> map) {
      map.forEach((k, v) -> env.put((String) k, v == null ? "" : v.toString()));
    }
    return env;
  }

  private static String run(List<String> command, Map<String, String> env, String pkg)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(root().toFile());
    Map<String, String> vars = new HashMap<>(env);
    pb.environment().putAll(vars);
    Path err = Files.createTempFile("render", ".err");
    pb.redirectError(err.toFile());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError(
          command.getFirst()
              + " is missing: apt-get install "
              + pkg
              + " (./pincery test installs it as root)",
          e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          String.join(" ", command) + " failed: " + Files.readString(err) + out);
    }
    return out;
  }
}
