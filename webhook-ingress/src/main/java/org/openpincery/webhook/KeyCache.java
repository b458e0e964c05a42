package org.openpincery.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.store.WebhookRepository.Keys;

/**
 * Agents' webhook keys (or their absence) for a few seconds; a TTL of zero turns it off. Bounded
 * (Caffeine, size-evicted): a flood of deliveries to random agent ids evicts old entries one by one
 * instead of emptying the cache, and the next deliveries to an evicted agent simply look its keys
 * up again.
 */
final class KeyCache {

  static final int MAX_ENTRIES = 100_000;

  private final boolean enabled;
  private final Cache<UUID, Optional<Keys>> entries;

  KeyCache(Duration ttl) {
    this.enabled = !ttl.isZero();
    this.entries =
        Caffeine.newBuilder()
            .maximumSize(MAX_ENTRIES)
            .expireAfterWrite(enabled ? ttl : Duration.ofSeconds(1))
            .build();
  }

  /** Empty when not cached; else the agent's keys, themselves empty for an unknown agent. */
  Optional<Optional<Keys>> get(UUID agentId) {
    return Optional.ofNullable(entries.getIfPresent(agentId));
  }

  void put(UUID agentId, Optional<Keys> keys) {
    if (enabled) {
      entries.put(agentId, keys);
    }
  }

  /**
   * Runs the cache's pending maintenance (expired entries go); Caffeine also does it as it goes.
   */
  void evictExpired() {
    entries.cleanUp();
  }

  long estimatedSize() {
    return entries.estimatedSize();
  }
}
