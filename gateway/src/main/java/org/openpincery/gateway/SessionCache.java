package org.openpincery.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.store.AuthRepository.Principal;

/**
 * Remembers authenticated sessions for a few seconds, so that a busy client does not cost a
 * database round trip per request. An entry never outlives its session's expiry, and a logout
 * through this process drops it at once; a revocation made through another gateway process is seen
 * here within {@code ttl}. A TTL of zero turns the cache off. Bounded (Caffeine) to {@link
 * #MAX_ENTRIES}: beyond it the least recently used sessions are simply looked up again.
 */
final class SessionCache {

  static final int MAX_ENTRIES = 100_000;

  private final long ttlNanos;
  private final Cache<String, Principal> entries;

  SessionCache(Duration ttl) {
    this.ttlNanos = ttl.toNanos();
    this.entries =
        Caffeine.newBuilder()
            .maximumSize(MAX_ENTRIES)
            .expireAfter(
                new Expiry<String, Principal>() {
                  @Override
                  public long expireAfterCreate(String key, Principal p, long currentTime) {
                    if (p.expiresAt() == null) {
                      return ttlNanos; // an API token without expiry
                    }
                    long untilExpiry =
                        Duration.between(OffsetDateTime.now(), p.expiresAt()).toNanos();
                    return Math.min(ttlNanos, Math.max(0, untilExpiry));
                  }

                  @Override
                  public long expireAfterUpdate(
                      String key, Principal p, long currentTime, long currentDuration) {
                    return expireAfterCreate(key, p, currentTime);
                  }

                  @Override
                  public long expireAfterRead(
                      String key, Principal p, long currentTime, long currentDuration) {
                    return currentDuration; // reading never extends an entry
                  }
                })
            .build();
  }

  Optional<Principal> get(byte[] tokenHash) {
    if (ttlNanos == 0) {
      return Optional.empty();
    }
    return Optional.ofNullable(entries.getIfPresent(HexFormat.of().formatHex(tokenHash)));
  }

  void put(byte[] tokenHash, Principal principal) {
    if (ttlNanos == 0) {
      return;
    }
    entries.put(HexFormat.of().formatHex(tokenHash), principal);
  }

  /** Drops every cached entry of a user (their role or membership changed). */
  void invalidateUser(UUID userId) {
    entries.asMap().values().removeIf(p -> p.userId().equals(userId));
  }

  /** Drops every cached entry of a session or API token (logout, revocation). */
  void invalidate(UUID sessionId) {
    entries.asMap().values().removeIf(p -> p.sessionId().equals(sessionId));
  }
}
