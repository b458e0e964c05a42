package org.openpincery.maintenance;

import org.openpincery.notify.Channel;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.work.WorkerProcess;

/**
 * The maintenance worker as its own process. Needs {@code DATABASE_URL}, migrated by {@code
 * migrate}.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    WorkerProcess.run(
        "maintenance-worker",
        java.util.Set.of(Channel.MAINTENANCE),
        (env, vertx, store) -> {
          ReasonerConfig reasoner = ReasonerConfig.from(env);
          MaintenanceWorkerConfig config = MaintenanceWorkerConfig.from(env);
          return new MaintenanceWorkerVerticle(
              store, ChatClient.create(vertx, reasoner), reasoner, config);
        });
  }
}
