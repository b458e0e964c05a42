package org.openpincery.maintenance;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * Settings of the notification deliverer and the chain checker (docs/configuration.md,
 * docs/operations.md "Notifications").
 *
 * @param owner who holds the subscription leases this deliverer takes
 * @param concurrency {@code NOTIFY_CONCURRENCY}: subscriptions delivered to at once
 * @param poll {@code NOTIFY_POLL_MILLIS}: how often due notifications are looked for (besides
 *     NOTIFY)
 * @param timeout {@code NOTIFY_TIMEOUT_SECONDS}: one attempt's connect and answer time
 * @param lease {@code NOTIFY_LEASE_SECONDS}: a claimed subscription's lease, renewed at each
 *     attempt; longer than {@code timeout}, so that one attempt per subscription is in flight. A
 *     deliverer that dies holds its subscriptions this long at most
 * @param retryDelays {@code NOTIFY_RETRY_DELAYS}: the wait before the 2nd, 3rd... attempt, each
 *     varied by up to ±20% (jitter); after the last, one more failure makes the notification {@code
 *     failed}
 * @param chainCheckInterval {@code CHAIN_CHECK_INTERVAL_SECONDS}: how often the chains are checked
 *     (incrementally); zero turns the check off
 * @param chainCheckMaxEntries {@code CHAIN_CHECK_MAX_ENTRIES}: entries of one chain per pass
 * @param chainCheckMaxChains {@code CHAIN_CHECK_MAX_CHAINS}: chains of each kind per pass
 * @param retention {@code NOTIFY_RETENTION_DAYS}: delivered and failed notifications (with their
 *     attempts) older than this are deleted; zero keeps them for ever
 */
public record NotificationConfig(
    String owner,
    int concurrency,
    Duration poll,
    Duration timeout,
    Duration lease,
    List<Duration> retryDelays,
    Duration chainCheckInterval,
    int chainCheckMaxEntries,
    int chainCheckMaxChains,
    Duration retention) {

  public static final String RETRY_DELAYS = "NOTIFY_RETRY_DELAYS";

  /** 10 retries over about a day (5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h, 8h, 8h). */
  public static final String DEFAULT_RETRY_DELAYS = "5s,30s,2m,10m,30m,1h,2h,4h,8h,8h";

  private static final Pattern DELAY = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  public NotificationConfig {
    retryDelays = List.copyOf(retryDelays);
    if (lease.compareTo(timeout) <= 0) {
      throw new ConfigException(
          "NOTIFY_LEASE_SECONDS",
          "must be longer than NOTIFY_TIMEOUT_SECONDS ("
              + timeout.toSeconds()
              + " s): an attempt must end before its lease does");
    }
  }

  public static NotificationConfig from(Env env) {
    return new NotificationConfig(
        "notify@"
            + ManagementFactory.getRuntimeMXBean().getName()
            + "/"
            + UUID.randomUUID().toString().substring(0, 8),
        env.integer("NOTIFY_CONCURRENCY", 16, 1, 1024),
        Duration.ofMillis(env.integer("NOTIFY_POLL_MILLIS", 1000, 10, 60_000)),
        env.seconds("NOTIFY_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300),
        env.seconds("NOTIFY_LEASE_SECONDS", Duration.ofSeconds(60), 2, 3600),
        delays(env.string(RETRY_DELAYS, DEFAULT_RETRY_DELAYS)),
        env.seconds("CHAIN_CHECK_INTERVAL_SECONDS", Duration.ofMinutes(5), 0, 7 * 86400),
        env.integer("CHAIN_CHECK_MAX_ENTRIES", 10_000, 1, 10_000_000),
        env.integer("CHAIN_CHECK_MAX_CHAINS", 1_000, 1, 1_000_000),
        Duration.ofDays(env.integer("NOTIFY_RETENTION_DAYS", 30, 0, 3650)));
  }

  /** Parses {@code 5s,30s,2m,...} (units ms, s, m, h; 0 to 50 delays). */
  static List<Duration> delays(String raw) {
    List<Duration> out = new ArrayList<>();
    if (raw.isBlank()) {
      return out;
    }
    for (String part : raw.split(",")) {
      Matcher m = DELAY.matcher(part.trim());
      if (!m.matches()) {
        throw new ConfigException(
            RETRY_DELAYS,
            "must be comma-separated delays such as 5s,30s,2m,1h (units ms, s, m, h), got '"
                + raw
                + "'");
      }
      long n = Long.parseLong(m.group(1));
      out.add(
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          });
    }
    if (out.size() > 50) {
      throw new ConfigException(RETRY_DELAYS, "allows at most 50 retries");
    }
    return out;
  }

  /** Attempts a notification gets in all. */
  public int maxAttempts() {
    return retryDelays.size() + 1;
  }
}
