package org.openpincery.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets per key (a client address, a session, an agent): {@code perMinute} requests of
 * burst, refilled evenly over the minute. In memory per process; a split deployment with N
 * processes allows up to N times the rate to a client that is spread across them.
 */
public final class RateLimiter {

  /** Allowed, or refused with the whole seconds until one request would be allowed. */
  public record Decision(boolean allowed, long retryAfterSeconds) {}

  private static final Decision ALLOWED = new Decision(true, 0);

  private final int perMinute;
  private final double tokensPerNano;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  /**
   * @param perMinute 0 turns the limit off
   */
  public RateLimiter(int perMinute) {
    this.perMinute = perMinute;
    this.tokensPerNano = perMinute / (double) TimeUnit.MINUTES.toNanos(1);
  }

  public Decision acquire(String key) {
    return acquire(key, System.nanoTime());
  }

  public Decision acquire(String key, long now) {
    if (perMinute == 0) {
      return ALLOWED;
    }
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(perMinute, now));
    synchronized (bucket) {
      bucket.tokens =
          Math.min(perMinute, bucket.tokens + (now - bucket.updatedNanos) * tokensPerNano);
      bucket.updatedNanos = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return ALLOWED;
      }
      double nanosToOne = (1 - bucket.tokens) / tokensPerNano;
      return new Decision(false, Math.max(1, (long) Math.ceil(nanosToOne / 1e9)));
    }
  }

  /** Forgets buckets that have refilled completely: they would allow a full burst anyway. */
  public void evictIdle() {
    long now = System.nanoTime();
    buckets
        .entrySet()
        .removeIf(
            e -> {
              Bucket b = e.getValue();
              synchronized (b) {
                return b.tokens + (now - b.updatedNanos) * tokensPerNano >= perMinute;
              }
            });
  }
}
