package org.openpincery.gateway;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** A minimal Server-Sent Events reader over a real HTTP connection. */
final class SseClient implements AutoCloseable {

  record Event(long seq, String type, JsonObject data) {}

  private final InputStream body;
  private final BlockingQueue<Event> events = new ArrayBlockingQueue<>(100_000);
  private final Thread reader;
  final int status;

  private SseClient(HttpResponse<InputStream> response) {
    this.status = response.statusCode();
    this.body = response.body();
    this.reader = Thread.ofVirtual().start(this::read);
  }

  /**
   * @param lastEventId sent as Last-Event-ID when not null
   */
  static SseClient open(GatewayFixture api, String path, String token, Long lastEventId)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(api.uri(path))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", Long.toString(lastEventId));
    }
    return new SseClient(api.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      long id = -1;
      String type = null;
      String data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            events.add(new Event(id, type, new JsonObject(data)));
          }
          id = -1;
          type = null;
          data = null;
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  /** The next event, waiting up to 20 s. */
  Event next() throws InterruptedException {
    Event e = events.poll(20, TimeUnit.SECONDS);
    if (e == null) {
      throw new AssertionError("no event within 20 s");
    }
    return e;
  }

  /** The next event if one arrives within {@code wait}, else null. */
  Event poll(Duration wait) throws InterruptedException {
    return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** True when the server ends the stream within {@code wait}. */
  boolean endsWithin(Duration wait) throws InterruptedException {
    return reader.join(wait);
  }

  @Override
  public void close() throws IOException {
    body.close();
    reader.interrupt();
  }
}
