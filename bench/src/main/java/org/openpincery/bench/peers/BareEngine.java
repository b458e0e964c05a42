package org.openpincery.bench.peers;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openpincery.bench.BenchEngine;
import org.openpincery.db.DatabaseUrl;

/**
 * {@code pincery-bare}: the store and the listener of {@link BenchEngine}, with {@link
 * BareWorkers}.
 */
final class BareEngine extends PinceryEngine {

  private final int concurrency;
  private String deployment;

  BareEngine(DatabaseUrl url, int concurrency) {
    // No model is called: the address only satisfies the reasoner's configuration.
    super(url, BenchEngine.open(url, "http://127.0.0.1:9", Map.of(), 32));
    this.concurrency = concurrency;
  }

  @Override
  void startWorkers() {
    deployment =
        engine
            .vertx()
            .deployVerticle(
                new BareWorkers(store(), jobs(), concurrency), BareWorkers.deploymentOptions())
            .await();
  }

  @Override
  void stopWorkers() {
    if (deployment != null) {
      engine.vertx().undeploy(deployment).await();
      deployment = null;
    }
  }

  @Override
  long[] latenciesFromDatabase(List<UUID> agents, String sinceDb) {
    return null;
  }

  @Override
  String latencySource() {
    return "driver clock: append future completed → claimPending returned";
  }
}
