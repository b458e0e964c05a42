package org.openpincery.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import org.openpincery.limits.RateLimiter;

/**
 * Failed verifications per client address ({@code OPEN_PINCERY_WEBHOOK_FAILED_PER_MINUTE}): a
 * delivery that looked an agent's keys up and was refused costs one token of its client's bucket; a
 * verified delivery costs nothing. A client whose failure is refused is <em>over the limit</em> for
 * the next minute: each of its attempts then pays its token before the lookup, and gets 429 with no
 * database work when there is none. So one address makes at most the limit's number of key lookups
 * that fail per minute (plus the one that went over), whatever it sends.
 *
 * <p>The client is the connection's peer address; an IPv6 peer counts as its /64 (one host holds a
 * whole /64). {@code X-Forwarded-For} is not read: behind a reverse proxy every sender shares the
 * proxy's address (see docs/configuration.md).
 */
final class FailureLimiter {

  /** What to do with a delivery before its keys are looked up. */
  sealed interface Admission {
    /** Go on; {@code prepaid} when its token is already paid (the client is over the limit). */
    record Admitted(boolean prepaid) implements Admission {}

    /** 429 now, no lookup. */
    record Refused(long retryAfterSeconds) implements Admission {}
  }

  /** For a delivery decided without a lookup (its keys were cached). */
  static final Admission NOT_PREPAID = new Admission.Admitted(false);

  private static final Admission PREPAID = new Admission.Admitted(true);

  private final boolean enabled;
  private final RateLimiter failures;
  // Clients whose last failure was refused, for a minute: after a minute their bucket is full
  // again, so forgetting them (or evicting them early, the cache being bounded) only costs one more
  // lookup before they are marked again.
  private final Cache<String, Boolean> overLimit =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  FailureLimiter(int perMinute) {
    this.enabled = perMinute > 0;
    this.failures = new RateLimiter(perMinute);
  }

  /** Before the key lookup. */
  Admission admit(String client) {
    if (!enabled || overLimit.getIfPresent(client) == null) {
      return NOT_PREPAID;
    }
    RateLimiter.Decision d = failures.acquire(client);
    if (d.allowed()) {
      return PREPAID;
    }
    overLimit.put(client, Boolean.TRUE);
    return new Admission.Refused(d.retryAfterSeconds());
  }

  /**
   * After a refused verification: empty when the failure was within the limit (answer 401), else
   * the seconds to send in {@code Retry-After} with a 429.
   */
  Optional<Long> failed(String client, Admission admission) {
    if (!enabled || (admission instanceof Admission.Admitted a && a.prepaid())) {
      return Optional.empty();
    }
    RateLimiter.Decision d = failures.acquire(client);
    if (d.allowed()) {
      return Optional.empty();
    }
    overLimit.put(client, Boolean.TRUE);
    return Optional.of(d.retryAfterSeconds());
  }

  void evictIdle() {
    failures.evictIdle();
    overLimit.cleanUp();
  }

  /** The limit's key for a request: its peer address, an IPv6 one cut to its /64. */
  static String client(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    return clientKey(peer == null ? null : peer.hostAddress());
  }

  /** {@code 192.0.2.7} as is; {@code 2001:db8:1:2:3:4:5:6} as {@code 20010db800010002::/64}. */
  static String clientKey(String host) {
    if (host == null || host.isEmpty()) {
      return "unknown";
    }
    if (host.indexOf(':') < 0) {
      return host;
    }
    try {
      // A literal: parsed, never resolved.
      InetAddress address = InetAddress.getByName(host);
      if (address instanceof Inet6Address) {
        return HexFormat.of().formatHex(address.getAddress(), 0, 8) + "::/64";
      }
      return address.getHostAddress();
    } catch (UnknownHostException e) {
      return host;
    }
  }
}
