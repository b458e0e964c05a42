package org.openpincery.maintenance;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openpincery.store.ChainCheckRepository;
import org.openpincery.store.ChainCheckRepository.ChainType;
import org.openpincery.store.ChainCheckRepository.Result;
import org.openpincery.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic, incremental check of every agent's event chain and every audit chain (ARCHITECTURE
 * §3.1): each pass verifies what was appended since the chain's checkpoint, at most {@link
 * NotificationConfig#chainCheckMaxEntries()} entries of at most {@link
 * NotificationConfig#chainCheckMaxChains()} chains of each kind (a longer backlog continues next
 * pass). A break is logged as an ERROR and queues one {@code chain.broken} notification per
 * subscription that wants it, once per chain.
 */
public final class ChainChecker {

  private static final Logger LOG = LoggerFactory.getLogger(ChainChecker.class);

  private final ChainCheckRepository chains;
  private final NotificationConfig config;
  private final Counter breaks;
  private final AtomicBoolean busy = new AtomicBoolean();

  ChainChecker(Store store, NotificationConfig config, MeterRegistry registry) {
    this.chains = store.chainChecks();
    this.config = config;
    this.breaks =
        Counter.builder("pincery_chain_breaks")
            .description("Event or audit chains the periodic check found broken")
            .register(registry);
  }

  /** What one pass did. */
  public record Pass(int chainsChecked, long entriesChecked, int broken) {}

  /** One pass (on a virtual thread: it awaits). Returns what it checked. */
  public Pass runOnce() {
    int chainsChecked = 0;
    long entries = 0;
    int broken = 0;
    for (ChainType type : ChainType.values()) {
      for (UUID id : chains.due(type, config.chainCheckMaxChains()).await()) {
        Result r = chains.check(type, id, config.chainCheckMaxEntries()).await();
        chainsChecked++;
        entries += r.checked();
        if (r.broken() != null && r.newlyBroken()) {
          broken++;
          breaks.increment();
          LOG.error(
              "{} chain {} (workspace {}) is broken at seq {}: {}; {} chain.broken notification(s)"
                  + " queued",
              type.wire(),
              id,
              r.workspaceId(),
              r.broken().firstBadSeq(),
              r.broken().problem(),
              r.notified());
        }
      }
    }
    return new Pass(chainsChecked, entries, broken);
  }

  /** {@link #runOnce()} unless a pass is running; failures are logged, never thrown. */
  void runGuarded() {
    if (!busy.compareAndSet(false, true)) {
      return;
    }
    try {
      runOnce();
    } catch (Exception e) {
      LOG.warn("chain check pass failed (retried next interval): {}", e.toString());
    } finally {
      busy.set(false);
    }
  }
}
