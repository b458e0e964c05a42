package org.openpincery.bench.peers;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A driver process speaking the peers protocol: started with its environment, READY, one JSON line
 * per {@code RUN}, QUIT. Its stderr (logs) goes to a file under bench/target/peers/logs.
 */
final class DriverProcess implements AutoCloseable {

  private static final long READY_TIMEOUT_SECONDS = 600;
  private static final long ANSWER_GRACE_SECONDS = 600;

  private final Process process;
  private final BufferedReader out;
  private final Writer in;

  private DriverProcess(Process process) {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** Starts {@code system}'s driver and waits for READY (set-up and warm-up included). */
  static DriverProcess start(PeerSystem system, Map<String, String> env, Path log)
      throws IOException {
    log.getParent().toFile().mkdirs();
    ProcessBuilder pb =
        new ProcessBuilder(system.command())
            .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
            .directory(new File("."));
    pb.environment().putAll(env);
    DriverProcess d = new DriverProcess(pb.start());
    String line = d.readLine(READY_TIMEOUT_SECONDS);
    if (!"READY".equals(line)) {
      d.close();
      throw new IOException(system.id() + ": expected READY, got " + line + " (log: " + log + ")");
    }
    return d;
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  /**
   * Sends {@code RUN <mode> <n> <seconds>} and returns the driver's JSON answer.
   *
   * @throws IOException on an error line, an exit, or no answer within {@code seconds} + 600 s
   */
  JsonObject run(String mode, int n, int seconds) throws IOException {
    in.write("RUN " + mode + " " + n + " " + seconds + "\n");
    in.flush();
    String line = readLine(seconds + ANSWER_GRACE_SECONDS);
    if (line == null) {
      throw new IOException("the driver exited without an answer");
    }
    JsonObject answer = new JsonObject(line);
    if (answer.containsKey("error")) {
      throw new IOException("the driver failed: " + answer.getString("error"));
    }
    return answer;
  }

  // The next protocol line, or null at the end; a driver that says nothing for that long is killed.
  private String readLine(long timeoutSeconds) throws IOException {
    CompletableFuture<String> next =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return readProtocolLine();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            runnable -> Thread.ofVirtual().start(runnable));
    try {
      return next.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      kill();
      throw new IOException("the driver said nothing for " + timeoutSeconds + " s; killed");
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  // Skips anything that is not a protocol line (a library printing to stdout).
  private String readProtocolLine() throws IOException {
    for (String line; (line = out.readLine()) != null; ) {
      String t = line.trim();
      if (t.equals("READY") || t.startsWith("{")) {
        return t;
      }
      System.err.println("  (driver stdout) " + t);
    }
    return null;
  }

  /** QUIT, then waits up to 60 s for the exit; kills the process tree after that. */
  @Override
  public void close() {
    try {
      in.write("QUIT\n");
      in.flush();
      in.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Exit status once the driver has exited, or -1 when it still runs. */
  int exitValue() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
