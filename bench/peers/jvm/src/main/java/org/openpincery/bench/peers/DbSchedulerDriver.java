package org.openpincery.bench.peers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * db-scheduler driver for {@code ./pincery bench peers}: systems {@code db-scheduler} (its
 * defaults) and {@code db-scheduler-fast} (PEER_SYSTEM). A job is a one-time task instance due now
 * whose data is the producer-side id (a {@code Long}, Java serialization: the default); the handler
 * only records its start.
 *
 * <p>{@code db-scheduler}: the defaults of SchedulerBuilder (polling strategy {@code fetch} 0.5 /
 * 3.0, pollingInterval 10 s, immediate execution off) except threads = PEER_CONCURRENCY (default
 * 10). {@code db-scheduler-fast}: plus {@code enableImmediateExecution()} (the scheduler is hinted
 * when a job is scheduled due now instead of waiting for its next poll) and {@code
 * pollUsingLockAndFetch(1.0, 4.0)}, the README's "for high throughput" values (select for update
 * skip locked: one statement fewer per execution, docs/performance.md). Sources:
 * github.com/kagkarlsson/db-scheduler README "Configuration" and docs/performance.md.
 */
public final class DbSchedulerDriver implements PeerHarness.Driver {

  /** The PostgreSQL table of db-scheduler 16 (its db-scheduler/src/test/resources DDL). */
  private static final String[] DDL = {
    """
    create table if not exists scheduled_tasks (
      task_name text not null,
      task_instance text not null,
      task_data bytea,
      execution_time timestamp with time zone not null,
      picked boolean not null,
      picked_by text,
      last_success timestamp with time zone,
      last_failure timestamp with time zone,
      consecutive_failures int,
      last_heartbeat timestamp with time zone,
      version bigint not null,
      priority smallint,
      primary key (task_name, task_instance)
    )""",
    "create index if not exists execution_time_idx on scheduled_tasks (execution_time)",
    "create index if not exists last_heartbeat_idx on scheduled_tasks (last_heartbeat)",
    "create index if not exists priority_execution_time_idx"
        + " on scheduled_tasks (priority desc, execution_time asc)",
  };

  private final boolean fast;
  private HikariDataSource dataSource;
  private OneTimeTask<Long> task;
  private SchedulerClient client;
  private volatile Scheduler scheduler;

  private DbSchedulerDriver(boolean fast) {
    this.fast = fast;
  }

  public static void main(String[] args) {
    String system = System.getenv().getOrDefault("PEER_SYSTEM", "db-scheduler");
    if (!system.equals("db-scheduler") && !system.equals("db-scheduler-fast")) {
      System.out.println(
          "{\"error\":\"DbSchedulerDriver serves db-scheduler and db-scheduler-fast, not "
              + system
              + "\"}");
      System.exit(1);
    }
    PeerHarness.serve(system, new DbSchedulerDriver(system.equals("db-scheduler-fast")));
  }

  @Override
  public void setup(PeerHarness.StartListener onStart) throws Exception {
    // Workers (threads) plus the producers, which schedule through the same Scheduler/pool.
    dataSource =
        PeerHarness.dataSource(
            "db-scheduler", PeerHarness.CONCURRENCY + PeerHarness.PRODUCER_POOL + 4);
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      for (String ddl : DDL) {
        s.execute(ddl);
      }
    }
    task =
        Tasks.oneTime("noop", Long.class)
            .execute((instance, context) -> onStart.started(instance.getData()));
    client = SchedulerClient.Builder.create(dataSource, task).build();
    PeerHarness.log(
        "db-scheduler: threads "
            + PeerHarness.CONCURRENCY
            + ", pollingInterval "
            + SchedulerBuilder.DEFAULT_POLLING_INTERVAL
            + " (default)"
            + (fast
                ? ", enableImmediateExecution, pollUsingLockAndFetch(1.0, 4.0)"
                : ", polling strategy fetch (default), immediate execution off (default)"));
    startWorkers();
  }

  @Override
  public void enqueue(long id) {
    // Through the Scheduler itself, so that immediate execution (fast) can hint it.
    scheduler.schedule(task.instance(Long.toString(id), id), Instant.now());
  }

  @Override
  public void enqueueBacklog(long[] ids) {
    Instant now = Instant.now();
    for (int i = 0; i < ids.length; i += 1000) {
      List<TaskInstance<?>> batch = new ArrayList<>();
      for (int j = i; j < Math.min(ids.length, i + 1000); j++) {
        batch.add(task.instance(Long.toString(ids[j]), ids[j]));
      }
      client.scheduleBatch(batch, now);
    }
  }

  @Override
  public void stopWorkers() {
    Scheduler s = scheduler;
    scheduler = null;
    if (s != null) {
      s.stop();
    }
  }

  @Override
  public void startWorkers() {
    SchedulerBuilder builder = Scheduler.create(dataSource, task).threads(PeerHarness.CONCURRENCY);
    if (fast) {
      builder.enableImmediateExecution().pollUsingLockAndFetch(1.0, 4.0);
    }
    Scheduler s = builder.build();
    s.start();
    scheduler = s;
  }

  @Override
  public void close() {
    stopWorkers();
    if (dataSource != null) {
      dataSource.close();
    }
  }
}
