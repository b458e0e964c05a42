package org.openpincery.webhook;

import java.time.Duration;
import org.openpincery.config.Env;

/**
 * Settings of webhook ingress.
 *
 * @param host {@code OPEN_PINCERY_WEBHOOK_HOST}: listen address when run as its own process
 * @param port {@code OPEN_PINCERY_WEBHOOK_PORT}: its port (standalone serves webhooks on the API's
 *     port)
 * @param maxBodyBytes {@code OPEN_PINCERY_WEBHOOK_MAX_BODY_BYTES}: larger bodies get 413
 * @param perAgentPerMinute {@code OPEN_PINCERY_WEBHOOK_RATE_LIMIT}: deliveries per minute per agent
 *     (a burst of that many is allowed); 0 turns it off
 * @param keyCacheTtl {@code OPEN_PINCERY_WEBHOOK_KEY_CACHE_SECONDS}: how long an agent's keys are
 *     reused without a lookup; zero turns the cache off
 * @param tolerance {@code OPEN_PINCERY_WEBHOOK_TOLERANCE_SECONDS}: how far a Standard Webhooks
 *     timestamp may be from now
 * @param failedPerClientPerMinute {@code OPEN_PINCERY_WEBHOOK_FAILED_PER_MINUTE}: refused
 *     deliveries per minute per client address (a burst of that many) before its next attempts get
 *     429 without a key lookup; verified deliveries are not counted; 0 turns it off
 */
public record WebhookConfig(
    String host,
    int port,
    int maxBodyBytes,
    int perAgentPerMinute,
    Duration keyCacheTtl,
    Duration tolerance,
    int failedPerClientPerMinute) {

  public static WebhookConfig from(Env env) {
    return new WebhookConfig(
        env.string("OPEN_PINCERY_WEBHOOK_HOST", "0.0.0.0"),
        env.integer("OPEN_PINCERY_WEBHOOK_PORT", 8081, 0, 65535),
        env.integer("OPEN_PINCERY_WEBHOOK_MAX_BODY_BYTES", 1_048_576, 1, 64 * 1_048_576),
        env.integer("OPEN_PINCERY_WEBHOOK_RATE_LIMIT", 6000, 0, 10_000_000),
        env.seconds("OPEN_PINCERY_WEBHOOK_KEY_CACHE_SECONDS", Duration.ofSeconds(2), 0, 300),
        env.seconds("OPEN_PINCERY_WEBHOOK_TOLERANCE_SECONDS", Duration.ofMinutes(5), 1, 86_400),
        env.integer("OPEN_PINCERY_WEBHOOK_FAILED_PER_MINUTE", 600, 0, 10_000_000));
  }
}
