package org.openpincery.gateway;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.openpincery.store.AuthRepository.Principal;

/**
 * Remembers authenticated sessions for a few seconds, so that a busy client does not cost a
 * database round trip per request. An entry never outlives its session's expiry, and a logout
 * through this process drops it at once; a revocation made through another gateway process is seen
 * here within {@code ttl}. A TTL of zero turns the cache off.
 */
final class SessionCache {

  private static final int MAX_ENTRIES = 100_000;

  private record Entry(Principal principal, long validUntilNanos) {}

  private final long ttlNanos;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  SessionCache(Duration ttl) {
    this.ttlNanos = ttl.toNanos();
  }

  Optional<Principal> get(byte[] tokenHash) {
    if (ttlNanos == 0) {
      return Optional.empty();
    }
    String key = HexFormat.of().formatHex(tokenHash);
    Entry e = entries.get(key);
    if (e == null) {
      return Optional.empty();
    }
    if (System.nanoTime() - e.validUntilNanos() >= 0) {
      entries.remove(key, e);
      return Optional.empty();
    }
    return Optional.of(e.principal());
  }

  void put(byte[] tokenHash, Principal principal) {
    if (ttlNanos == 0) {
      return;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear(); // crude but bounded: the next requests simply look their sessions up again
    }
    long untilExpiry = Duration.between(OffsetDateTime.now(), principal.expiresAt()).toNanos();
    long ttl = Math.min(ttlNanos, Math.max(0, untilExpiry));
    if (ttl > 0) {
      entries.put(
          HexFormat.of().formatHex(tokenHash), new Entry(principal, System.nanoTime() + ttl));
    }
  }

  /** Drops every cached entry of a session (logout). */
  void invalidate(UUID sessionId) {
    entries.values().removeIf(e -> e.principal().sessionId().equals(sessionId));
  }
}
