package org.openpincery.webhook;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.openpincery.store.WebhookRepository.Keys;

/** Agents' webhook keys (or their absence) for a few seconds; a TTL of zero turns it off. */
final class KeyCache {

  private static final int MAX_ENTRIES = 100_000;

  private record Entry(Optional<Keys> keys, long validUntilNanos) {}

  private final long ttlNanos;
  private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();

  KeyCache(Duration ttl) {
    this.ttlNanos = ttl.toNanos();
  }

  /** Empty when not cached; else the agent's keys, themselves empty for an unknown agent. */
  Optional<Optional<Keys>> get(UUID agentId) {
    Entry e = entries.get(agentId);
    if (e == null || System.nanoTime() - e.validUntilNanos() >= 0) {
      return Optional.empty();
    }
    return Optional.of(e.keys());
  }

  void put(UUID agentId, Optional<Keys> keys) {
    if (ttlNanos == 0) {
      return;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear(); // bounded: the next deliveries simply look their keys up again
    }
    entries.put(agentId, new Entry(keys, System.nanoTime() + ttlNanos));
  }

  void evictExpired() {
    long now = System.nanoTime();
    entries.values().removeIf(e -> now - e.validUntilNanos() >= 0);
  }
}
