package org.openpincery.maintenance;

import java.util.Set;
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
        Set.of(Channel.MAINTENANCE),
        (env, vertx, store, registry) -> {
          ReasonerConfig reasoner = ReasonerConfig.from(env);
          MaintenanceWorkerConfig config = MaintenanceWorkerConfig.from(env);
          MaintenanceWorkerVerticle worker =
              new MaintenanceWorkerVerticle(
                  store, ChatClient.create(vertx, reasoner), reasoner, config);
          return new WorkerProcess.Tier(worker, worker::running);
        });
  }
}
