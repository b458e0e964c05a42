package org.openpincery.maintenance;

import java.util.UUID;
import java.util.function.Consumer;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.store.Store;

/**
 * Benchmark hook (bench module, same package as the worker): the real maintenance worker, telling
 * the caller each agent whose pass has ended (its projection written and the agent asleep again, or
 * the lease lost). Uses the worker's package-private observer; nothing of the product changes.
 */
public final class ObservedMaintenance {

  private ObservedMaintenance() {}

  /**
   * @param passEnded called with the agent id after each pass's final transaction returned, on the
   *     pass's virtual thread
   */
  public static MaintenanceWorkerVerticle worker(
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      MaintenanceWorkerConfig config,
      Consumer<UUID> passEnded) {
    return new MaintenanceWorkerVerticle(
        store, model, reasoner, config, outcome -> passEnded.accept(outcome.claim().agentId()));
  }
}
