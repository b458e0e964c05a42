package org.openpincery.scheduler;

import java.util.Set;
import org.openpincery.work.WorkerProcess;

/**
 * The scheduler as its own process. Needs {@code DATABASE_URL}, migrated by {@code migrate}. Any
 * number may run against one database.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    WorkerProcess.run(
        "scheduler",
        Set.of(),
        (env, vertx, store, registry) -> {
          SchedulerVerticle scheduler =
              new SchedulerVerticle(store, SchedulerConfig.from(env), registry);
          return new WorkerProcess.Tier(scheduler, scheduler::running);
        });
  }
}
