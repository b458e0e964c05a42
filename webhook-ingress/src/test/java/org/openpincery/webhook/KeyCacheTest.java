package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.store.WebhookRepository.Keys;

class KeyCacheTest {

  @Test
  void aFullCacheEvictsSomeEntriesInsteadOfForgettingAll() {
    KeyCache cache = new KeyCache(Duration.ofMinutes(5));
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i <= KeyCache.MAX_ENTRIES; i++) {
      UUID id = UUID.randomUUID();
      ids.add(id);
      cache.put(id, Optional.<Keys>empty());
    }
    cache.evictExpired();
    assertThat(cache.estimatedSize())
        .isBetween((long) KeyCache.MAX_ENTRIES - 1000, (long) KeyCache.MAX_ENTRIES);
    long kept = ids.stream().limit(1000).filter(id -> cache.get(id).isPresent()).count();
    assertThat(kept)
        .as("of the first 1000 entries, after one more than the maximum")
        .isGreaterThan(900);
  }

  @Test
  void entriesExpireAfterTheirTtlAndAZeroTtlCachesNothing() {
    KeyCache cache = new KeyCache(Duration.ofMillis(200));
    UUID id = UUID.randomUUID();
    cache.put(id, Optional.<Keys>empty());
    assertThat(cache.get(id)).contains(Optional.empty());
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.get(id).isEmpty());

    KeyCache off = new KeyCache(Duration.ZERO);
    off.put(id, Optional.<Keys>empty());
    assertThat(off.get(id)).isEmpty();
  }
}
