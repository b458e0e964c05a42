package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs pcy in the test JVM through picocli, as a user would from a shell whose stdout is a pipe:
 * its own environment (the server URL, the config file) and standard streams.
 */
final class Cli {

  record Result(int exit, String out, String err) {
    JsonNode json() {
      try {
        return Json.parse(out);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + out + " / " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exit + "\nout: " + out + "\nerr: " + err;
    }
  }

  private final Map<String, String> env = new HashMap<>();

  Cli(String url, Path config) {
    env.put("OPEN_PINCERY_URL", url);
    env.put("PCY_CONFIG", config.toString());
  }

  Cli with(String name, String value) {
    env.put(name, value);
    return this;
  }

  Result run(String... args) {
    return run(new byte[0], false, new ByteArrayOutputStream(), args);
  }

  /** Runs with stdout written to {@code out} as it comes (for a command that keeps running). */
  Result runInto(ByteArrayOutputStream out, String... args) {
    return run(new byte[0], false, out, args);
  }

  Result runWithStdin(String stdin, String... args) {
    return run(stdin.getBytes(StandardCharsets.UTF_8), false, new ByteArrayOutputStream(), args);
  }

  /** As if stdin were a terminal: a hidden prompt answers {@code answer}; prompts are recorded. */
  Result runWithPrompt(String answer, java.util.List<String> prompts, String... args) {
    return run(
        new byte[0],
        false,
        true,
        prompt -> {
          prompts.add(prompt);
          return answer.toCharArray();
        },
        new ByteArrayOutputStream(),
        args);
  }

  /** As if stdout were a terminal (tables by default). */
  Result runOnTerminal(String... args) {
    return run(new byte[0], true, new ByteArrayOutputStream(), args);
  }

  private Result run(byte[] stdin, boolean terminal, ByteArrayOutputStream out, String... args) {
    return run(stdin, terminal, false, null, out, args);
  }

  private Result run(
      byte[] stdin,
      boolean terminal,
      boolean stdinTerminal,
      java.util.function.Function<String, char[]> prompt,
      ByteArrayOutputStream out,
      String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io =
        new Io(
            Map.copyOf(env),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream(stdin),
            terminal,
            stdinTerminal,
            prompt);
    int exit = Pcy.execute(io, args);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
