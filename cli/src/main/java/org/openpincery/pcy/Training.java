package org.openpincery.pcy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training run that {@code ./pcy} makes once after a build to write the JVM's ahead-of-time
 * cache (JDK 25+, {@code -XX:AOTCacheOutput}): the usual commands against a small in-process HTTP
 * server that answers like the API, so that the classes of picocli, Jackson and the HTTP client are
 * loaded and linked as a real run loads them. Nothing leaves the machine; output is discarded.
 */
final class Training {

  private static final String AGENT =
      "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"name\":\"trainee\",\"status\":\"asleep\","
          + "\"is_enabled\":true,\"budget_limit_usd\":\"10\",\"budget_unlimited\":false,"
          + "\"budget_spent_usd\":\"0\",\"event_seq\":3,\"deleted\":false,"
          + "\"updated_at\":\"2026-01-01T00:00:00Z\"}";

  private Training() {}

  static void run() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ready",
        x ->
            answer(
                x,
                200,
                "{\"status\":\"ready\",\"checks\":{\"database\":\"ok\"},\"details\":{\"model\":\"m\"}}"));
    server.createContext("/api/agents", x -> answer(x, 200, "{\"agents\":[" + AGENT + "]}"));
    server.createContext(
        "/api/me",
        x -> answer(x, 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"no\"}}"));
    server.start();
    Path dir = Files.createTempDirectory("pcy-training");
    try {
      Path config = dir.resolve("config.json");
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      new Config(config)
          .saveSession(url, Json.object().put("token", "0".repeat(64)).put("user_id", "u"));
      PrintStream sink =
          new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
      Io io =
          new Io(
              Map.of("OPEN_PINCERY_URL", url, "PCY_CONFIG", config.toString()),
              sink,
              sink,
              new ByteArrayInputStream(new byte[0]),
              false,
              false,
              null);
      String[][] runs = {
        {"--help"},
        {"agent", "--help"},
        {"agent", "list", "-o", "table"},
        {"agent", "list"},
        {"status", "-o", "table"},
        {"whoami"},
        {"budget", "show", "trainee", "-o", "table"},
        {"completion", "bash"}
      };
      for (String[] args : runs) {
        Pcy.execute(io, args);
      }
    } finally {
      server.stop(0);
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static void answer(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }
}
