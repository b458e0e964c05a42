package org.openpincery.maintenance;

import java.util.Set;
import org.openpincery.notify.Channel;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.work.WorkerProcess;

/**
 * The maintenance worker as its own process: maintenance passes, and the outbound notification
 * deliverer with the chain checker. Needs {@code DATABASE_URL}, migrated by {@code migrate}.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    WorkerProcess.run(
        "maintenance-worker",
        Set.of(Channel.MAINTENANCE, Channel.NOTIFICATIONS),
        (env, vertx, store, registry) -> {
          ReasonerConfig reasoner = ReasonerConfig.from(env);
          MaintenanceWorkerConfig config = MaintenanceWorkerConfig.from(env);
          MaintenanceWorkerVerticle worker =
              new MaintenanceWorkerVerticle(
                  store, ChatClient.create(vertx, reasoner), reasoner, config);
          NotificationDeliveryVerticle notifications =
              new NotificationDeliveryVerticle(store, NotificationConfig.from(env), registry);
          MaintenanceTier tier = new MaintenanceTier(worker, notifications);
          return new WorkerProcess.Tier(tier, tier::running);
        });
  }
}
