package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows an agent's live event stream ({@code GET /api/agents/{id}/events/stream}, Server-Sent
 * Events) and survives dropped connections: it reconnects with {@code Last-Event-ID} = the last seq
 * it handed on, so each event is handed on once and in order (a seq at or below the last one is
 * skipped, should a server ever repeat one). Reconnects back off from 250 ms to 5 s. A connection
 * that is silent for three heartbeats (45 s) is taken as dead and replaced.
 */
final class EventFollower {

  /** What the caller does with each event; returning false stops following. */
  interface Handler {
    boolean event(JsonNode event);
  }

  private static final Duration SILENCE = Duration.ofSeconds(45);

  private final Api api;
  private final String agentId;
  private final Consumer<String> notice;
  private long lastSeq;
  private volatile InputStream current;
  private volatile Instant lastActivity = Instant.now();
  private boolean connected;

  /**
   * @param afterSeq hand on events after this seq; negative: from the stream's head (new ones only)
   * @param notice where to say that the connection dropped and came back (one line each)
   */
  EventFollower(Api api, String agentId, long afterSeq, Consumer<String> notice) {
    this.api = api;
    this.agentId = agentId;
    this.lastSeq = afterSeq;
    this.notice = notice;
  }

  long lastSeq() {
    return lastSeq;
  }

  /**
   * Follows until the handler returns false (true is returned) or the deadline passes (false).
   *
   * @param deadline null for no deadline
   */
  boolean follow(Handler handler, Instant deadline) {
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pcy-stream-watchdog");
              t.setDaemon(true);
              return t;
            });
    watchdog.scheduleAtFixedRate(
        () -> {
          Instant now = Instant.now();
          if ((deadline != null && now.isAfter(deadline))
              || lastActivity.plus(SILENCE).isBefore(now)) {
            closeCurrent();
          }
        },
        200,
        200,
        TimeUnit.MILLISECONDS);
    try {
      long backoff = 250;
      boolean dropped = false;
      while (deadline == null || Instant.now().isBefore(deadline)) {
        try {
          Boolean done = connectOnce(handler, dropped);
          if (done != null) {
            return done;
          }
          backoff = 250;
        } catch (IOException e) {
          if (!connected) {
            throw api.unreachable(e); // never reached: a wrong URL or a server that is down
          }
          // refused while the server is away, or the stream broke: try again
        }
        if (!dropped) {
          notice.accept("event stream lost; reconnecting after seq " + lastSeq + " …");
        }
        dropped = true;
        if (deadline != null && !Instant.now().plusMillis(backoff).isBefore(deadline)) {
          break;
        }
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw PcyException.failure("interrupted");
        }
        backoff = Math.min(5000, backoff * 2);
      }
      return false;
    } finally {
      watchdog.shutdownNow();
      closeCurrent();
    }
  }

  /** One connection: TRUE/FALSE when following is over, null when the connection ended. */
  private Boolean connectOnce(Handler handler, boolean reconnecting) throws IOException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "text/event-stream");
    if (lastSeq >= 0) {
      headers.put("Last-Event-ID", Long.toString(lastSeq));
    }
    HttpResponse<InputStream> response;
    try {
      response = api.open("/api/agents/" + agentId + "/events/stream", headers);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PcyException.failure("interrupted");
    }
    if (response.statusCode() != 200) {
      String body;
      try (InputStream in = response.body()) {
        body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      }
      PcyException error = api.error(response.statusCode(), body, null);
      if (error.exitCode() == PcyException.SERVER && response.statusCode() == 503) {
        return null; // the database is away: wait for it like for a dropped connection
      }
      throw error;
    }
    connected = true;
    if (reconnecting) {
      notice.accept("event stream back; resuming after seq " + lastSeq);
    }
    current = response.body();
    lastActivity = Instant.now();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = reader.readLine()) != null) {
        lastActivity = Instant.now();
        if (line.isEmpty()) {
          if (!data.isEmpty()) {
            JsonNode event = Json.parse(data.toString());
            data.setLength(0);
            long seq = event.path("seq").asLong(-1);
            if (seq > lastSeq) {
              lastSeq = seq;
              if (!handler.event(event)) {
                return true;
              }
            }
          }
        } else if (line.startsWith("data:")) {
          if (!data.isEmpty()) {
            data.append('\n');
          }
          data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
        }
        // "id:", "event:", "retry:" and ":" comments (heartbeats) carry nothing the data lacks.
      }
    } finally {
      current = null;
    }
    return null;
  }

  private void closeCurrent() {
    InputStream in = current;
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }
}
