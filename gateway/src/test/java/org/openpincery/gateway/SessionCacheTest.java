package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.store.AuthRepository.Principal;

/** The session cache: bounded, never past a session's expiry, emptied by a logout. */
class SessionCacheTest {

  private static Principal principal(OffsetDateTime expiresAt) {
    return new Principal(
        UUID.randomUUID(),
        UUID.randomUUID(),
        UUID.randomUUID(),
        org.openpincery.model.Role.OWNER,
        expiresAt,
        Principal.Kind.SESSION);
  }

  @Test
  void anEntryNeverOutlivesItsSession() {
    SessionCache cache = new SessionCache(Duration.ofMinutes(1));
    byte[] token = Tokens.sha256("a");
    cache.put(token, principal(OffsetDateTime.now().plusNanos(300_000_000)));

    assertThat(cache.get(token)).isPresent();
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.get(token).isEmpty());
  }

  @Test
  void logoutDropsEveryEntryOfTheSessionAndOnlyThose() {
    SessionCache cache = new SessionCache(Duration.ofMinutes(1));
    Principal mine = principal(OffsetDateTime.now().plusDays(1));
    Principal theirs = principal(OffsetDateTime.now().plusDays(1));
    cache.put(Tokens.sha256("mine"), mine);
    cache.put(Tokens.sha256("theirs"), theirs);

    cache.invalidate(mine.sessionId());

    assertThat(cache.get(Tokens.sha256("mine"))).isEmpty();
    assertThat(cache.get(Tokens.sha256("theirs"))).contains(theirs);
  }

  @Test
  void aZeroTtlCachesNothing() {
    SessionCache cache = new SessionCache(Duration.ZERO);
    byte[] token = Tokens.sha256("a");
    cache.put(token, principal(OffsetDateTime.now().plusDays(1)));

    assertThat(cache.get(token)).isEmpty();
  }
}
