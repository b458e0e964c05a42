package org.openpincery.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway's own counters, beside the HTTP server metrics Vert.x records. */
public final class GatewayMetrics {

  private final MeterRegistry registry;
  private final Counter messagesAccepted;
  private final Counter auditAppendFailures;
  private final AtomicInteger streamClients = new AtomicInteger();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.messagesAccepted =
        Counter.builder("pincery_messages_accepted")
            .description("Messages accepted by POST /api/agents/:id/messages")
            .register(registry);
    this.auditAppendFailures =
        Counter.builder("pincery_audit_append_failures")
            .description("Audit entries that could not be written (the response went out anyway)")
            .register(registry);
    Gauge.builder("pincery_event_stream_clients", streamClients, AtomicInteger::get)
        .description("Open Server-Sent Event streams")
        .register(registry);
  }

  /** Metrics that go nowhere, for tests. */
  public static GatewayMetrics discarding() {
    return new GatewayMetrics(new SimpleMeterRegistry());
  }

  void messageAccepted() {
    messagesAccepted.increment();
  }

  void auditAppendFailed() {
    auditAppendFailures.increment();
  }

  void rateLimited(String scope) {
    Counter.builder("pincery_rate_limited")
        .description("Requests refused with 429, by limit (authenticated or unauthenticated)")
        .tag("scope", scope)
        .register(registry)
        .increment();
  }

  void streamOpened() {
    streamClients.incrementAndGet();
  }

  void streamClosed() {
    streamClients.decrementAndGet();
  }

  public MeterRegistry registry() {
    return registry;
  }
}
