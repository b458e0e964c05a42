package org.openpincery.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets per key (a client address, a session, an agent): {@code perMinute} requests of
 * burst, refilled evenly over the minute. In memory per process; a split deployment with N
 * processes allows up to N times the rate to a client that is spread across them.
 *
 * <p>Buckets live in a bounded cache (Caffeine): a bucket untouched for a minute has refilled
 * completely, so forgetting it changes nothing, and that is when it expires. At most {@link
 * #MAX_KEYS} keys are kept; beyond that the least recently used are dropped, which can only give
 * their owners a fresh burst, never refuse anyone wrongly.
 */
public final class RateLimiter {

  /** Allowed, or refused with the whole seconds until one request would be allowed. */
  public record Decision(boolean allowed, long retryAfterSeconds) {}

  private static final Decision ALLOWED = new Decision(true, 0);

  private final int perMinute;
  private final double tokensPerNano;
  private final Cache<String, Bucket> buckets;

  /** The most keys remembered at once (about 100 bytes each). */
  public static final int MAX_KEYS = 1_000_000;

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
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(MAX_KEYS)
            .expireAfterAccess(Duration.ofMinutes(1))
            .build();
  }

  public Decision acquire(String key) {
    return acquire(key, System.nanoTime());
  }

  public Decision acquire(String key, long now) {
    if (perMinute == 0) {
      return ALLOWED;
    }
    Bucket bucket = buckets.get(key, k -> new Bucket(perMinute, now));
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

  /**
   * Runs the cache's pending maintenance (expired buckets are also dropped as a side effect of
   * use). Kept for callers that run it on a timer; nothing depends on it any more.
   */
  public void evictIdle() {
    buckets.cleanUp();
  }

  /** How many keys are remembered now (an estimate; for tests and metrics). */
  public long size() {
    return buckets.estimatedSize();
  }
}
