package org.openpincery.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.openpincery.model.StoredEvent;
import org.openpincery.notify.Channel;
import org.openpincery.store.AuthRepository;
import org.openpincery.store.EventRepository;

/**
 * GET /api/agents/:id/events/stream: Server-Sent Events of an agent's log as it grows.
 *
 * <p>A notification only says "look"; the events themselves are read back from rows after the last
 * seq sent on this connection, so each is sent once and in order, and a client that reconnects with
 * {@code Last-Event-ID} (the seq) misses nothing and repeats nothing. Reads are serialised per
 * connection; notifications that arrive during a read trigger one more read. A heartbeat comment
 * keeps proxies from closing an idle stream, and also re-reads, which covers a notification lost
 * while the listener was reconnecting.
 *
 * <p>Streams are bounded per session ({@code OPEN_PINCERY_MAX_STREAMS_PER_SESSION}; one more is
 * {@code 429 too_many_streams}) and live no longer than their session: a logout through this
 * process ends them at once (a local event-bus message on {@link #SESSION_ENDED}), and at each
 * heartbeat the session is looked up again in the database, so one revoked elsewhere or expired
 * ends its streams within one heartbeat interval. A deleted agent's stream stays readable (its log
 * is kept), it just no longer grows.
 */
final class EventStream {

  static final String RESYNC = "*";

  /** Local event-bus address: the body is the id of a session that has just been revoked. */
  static final String SESSION_ENDED = "pincery.session.ended";

  private static final int BATCH = 500;

  private final Vertx vertx;
  private final AuthRepository auth;
  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  // Touched only on the verticle's event loop (handlers, timers and the local consumer below).
  private final Map<UUID, Set<Session>> bySession = new HashMap<>();

  EventStream(Vertx vertx, AuthRepository auth, GatewayConfig config, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.auth = auth;
    this.config = config;
    this.metrics = metrics;
    vertx
        .eventBus()
        .<String>localConsumer(SESSION_ENDED, m -> endSession(UUID.fromString(m.body())));
  }

  /** Ends every stream of a session (it was revoked). */
  void endSession(UUID sessionId) {
    Set<Session> open = bySession.get(sessionId);
    if (open != null) {
      List.copyOf(open).forEach(Session::end);
    }
  }

  void open(RoutingContext ctx) {
    UUID agentId = AgentHandlers.agentId(ctx);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    String afterParam = ctx.request().getParam("after_seq");
    Long requested = null;
    if (lastEventId != null) {
      requested = EventHandlers.longParam("Last-Event-ID", lastEventId.strip());
    } else if (afterParam != null) {
      requested = EventHandlers.longParam("after_seq", afterParam);
    }
    Long cursorParam = requested;
    var principal = Authenticator.principal(ctx);
    byte[] tokenDigest = Authenticator.tokenDigest(ctx);
    Scopes.of(ctx)
        .agents()
        .get(principal.workspaceId(), agentId)
        .onSuccess(
            agent -> {
              if (agent.isEmpty()) {
                ctx.fail(AgentHandlers.noSuchAgent());
                return;
              }
              int max = config.maxStreamsPerSession();
              if (bySession.getOrDefault(principal.sessionId(), Set.of()).size() >= max) {
                ctx.fail(
                    new ApiError(
                        429,
                        "too_many_streams",
                        "this session already has "
                            + max
                            + " open event streams; close one first"));
                return;
              }
              // Without a cursor a stream starts at the head: only new events.
              long cursor = cursorParam != null ? cursorParam : agent.get().eventSeq();
              new Session(
                      ctx, agentId, cursor, principal.sessionId(), tokenDigest, principal.kind())
                  .start();
            })
        .onFailure(ctx::fail);
  }

  private final class Session {
    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final UUID agentId;
    private final UUID sessionId;
    private final byte[] tokenDigest;
    private final AuthRepository.Principal.Kind kind;
    // Row-level security confines the stream's reads to the caller's workspace too.
    private final EventRepository events;
    private final String prefix;
    private long lastSent;
    private boolean reading;
    private boolean readAgain;
    private boolean closed;
    private MessageConsumer<String> consumer;
    private long heartbeat;

    Session(
        RoutingContext ctx,
        UUID agentId,
        long cursor,
        UUID sessionId,
        byte[] tokenDigest,
        AuthRepository.Principal.Kind kind) {
      this.kind = kind;
      this.ctx = ctx;
      this.events = Scopes.of(ctx).events();
      this.response = ctx.response();
      this.agentId = agentId;
      this.sessionId = sessionId;
      this.tokenDigest = tokenDigest;
      this.prefix = agentId + ":";
      this.lastSent = cursor;
    }

    void start() {
      response
          .setStatusCode(200)
          .setChunked(true)
          .putHeader("content-type", "text/event-stream; charset=utf-8")
          .putHeader("cache-control", "no-store")
          .putHeader("x-accel-buffering", "no");
      response.write(
          "retry: 2000\n: stream of agent " + agentId + " after seq " + lastSent + "\n\n");
      metrics.streamOpened();
      bySession.computeIfAbsent(sessionId, k -> new LinkedHashSet<>()).add(this);
      consumer =
          vertx
              .eventBus()
              .localConsumer(
                  Channel.EVENTS.address(),
                  m -> {
                    String body = m.body();
                    if (body.startsWith(prefix) || RESYNC.equals(body)) {
                      read();
                    }
                  });
      heartbeat =
          vertx.setPeriodic(
              config.sseHeartbeat().toMillis(),
              t -> {
                if (!closed) {
                  response.write(": heartbeat\n\n");
                  read();
                  recheckSession();
                }
              });
      response.closeHandler(v -> close());
      response.exceptionHandler(e -> close());
      read();
    }

    private void read() {
      if (closed) {
        return;
      }
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      readAgain = false;
      events
          .pageAfter(agentId, lastSent, BATCH)
          .onComplete(
              ar -> {
                reading = false;
                if (closed) {
                  return;
                }
                if (ar.failed()) {
                  // Try again at the next notification or heartbeat; the cursor has not moved.
                  return;
                }
                send(ar.result());
                if (readAgain || ar.result().size() == BATCH) {
                  read();
                }
              });
    }

    private void send(List<StoredEvent> page) {
      StringBuilder out = new StringBuilder();
      for (StoredEvent e : page) {
        if (e.seq() <= lastSent) {
          continue;
        }
        out.append("id: ").append(e.seq()).append('\n');
        out.append("event: ").append(e.eventType()).append('\n');
        out.append("data: ").append(Responses.event(e).encode()).append("\n\n");
        lastSent = e.seq();
      }
      if (!out.isEmpty()) {
        response.write(out.toString());
      }
    }

    /** Ends the stream when its session was revoked elsewhere or has expired. */
    private void recheckSession() {
      auth.recheck(tokenDigest, kind)
          .onSuccess(
              p -> {
                if (p.isEmpty()
                    || (p.get().expiresAt() != null
                        && !p.get().expiresAt().isAfter(OffsetDateTime.now()))) {
                  end();
                }
              });
      // A failed lookup (database away) keeps the stream; the next heartbeat asks again.
    }

    /** Ends the response (the session is over); the client's reconnect will get 401. */
    void end() {
      if (closed) {
        return;
      }
      close();
      response.end(": session ended\n\n");
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      Set<Session> open = bySession.get(sessionId);
      if (open != null) {
        open.remove(this);
        if (open.isEmpty()) {
          bySession.remove(sessionId);
        }
      }
      metrics.streamClosed();
      vertx.cancelTimer(heartbeat);
      if (consumer != null) {
        consumer.unregister();
      }
    }
  }
}
