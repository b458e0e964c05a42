package org.openpincery.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code pincery_webhooks_total{outcome, reason}}: accepted, duplicate and rejected deliveries. */
final class WebhookMetrics {

  private final MeterRegistry registry;
  private final Counter accepted;
  private final Counter duplicate;

  WebhookMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.accepted = counter("accepted", "none");
    this.duplicate = counter("duplicate", "none");
  }

  private Counter counter(String outcome, String reason) {
    return Counter.builder("pincery_webhooks")
        .description("Webhook deliveries by outcome and rejection reason")
        .tag("outcome", outcome)
        .tag("reason", reason)
        .register(registry);
  }

  void accepted() {
    accepted.increment();
  }

  void duplicate() {
    duplicate.increment();
  }

  void rejected(String reason) {
    counter("rejected", reason).increment();
  }
}
