package org.openpincery.bench.peers;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Arrays;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.scheduling.JobRequestScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

/**
 * JobRunr driver for {@code ./pincery bench peers}: system {@code jobrunr}. A job is a {@link
 * JobRequest} carrying the producer-side id, enqueued with {@link JobRequestScheduler#enqueue} (no
 * lambda bytecode analysis on the producer side); its {@link JobRequestHandler} only records its
 * start. Storage: {@link PostgresStorageProvider} (it creates its tables).
 *
 * <p>Settings: JobRunr's defaults except workerCount = PEER_CONCURRENCY (default: 8 per CPU) and
 * pollInterval 5 s, the smallest a SQL StorageProvider accepts (default 15 s; a smaller one is
 * refused with "The smallest supported pollInterval is 5 seconds"). JobRunr (the open-source
 * edition) has no wake-up on enqueue: a job due now waits for the next poll.
 */
public final class JobRunrDriver implements PeerHarness.Driver {

  /** The smallest poll interval JobRunr accepts with a SQL storage provider. */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

  private static volatile PeerHarness.StartListener listener;

  private HikariDataSource dataSource;
  private JobRequestScheduler scheduler;
  private BackgroundJobServer server;

  /** The job: a JSON-serialized request naming its handler. */
  public static final class NoopRequest implements JobRequest {
    private long id;

    public NoopRequest() {}

    public NoopRequest(long id) {
      this.id = id;
    }

    public long getId() {
      return id;
    }

    public void setId(long id) {
      this.id = id;
    }

    @Override
    public Class<NoopHandler> getJobRequestHandler() {
      return NoopHandler.class;
    }
  }

  /** The empty handler: records the job's start. */
  public static final class NoopHandler implements JobRequestHandler<NoopRequest> {
    public NoopHandler() {}

    @Override
    public void run(NoopRequest request) {
      listener.started(request.getId());
    }
  }

  public static void main(String[] args) {
    PeerHarness.serve("jobrunr", new JobRunrDriver());
  }

  @Override
  public void setup(PeerHarness.StartListener onStart) {
    listener = onStart;
    dataSource =
        PeerHarness.dataSource("jobrunr", PeerHarness.CONCURRENCY + PeerHarness.PRODUCER_POOL + 4);
    BackgroundJobServerConfiguration serverConfig =
        usingStandardBackgroundJobServerConfiguration()
            .andWorkerCount(PeerHarness.CONCURRENCY)
            .andPollInterval(POLL_INTERVAL);
    JobRunrConfigurationResult result =
        JobRunr.configure()
            .useStorageProvider(new PostgresStorageProvider(dataSource))
            .useBackgroundJobServer(serverConfig)
            .initialize();
    scheduler = result.getJobRequestScheduler();
    server = result.getBackgroundJobServer();
    PeerHarness.log(
        "jobrunr: workerCount "
            + PeerHarness.CONCURRENCY
            + ", pollInterval "
            + POLL_INTERVAL
            + " (default "
            + BackgroundJobServerConfiguration.DEFAULT_POLL_INTERVAL
            + ")");
  }

  @Override
  public void enqueue(long id) {
    scheduler.enqueue(new NoopRequest(id));
  }

  @Override
  public void enqueueBacklog(long[] ids) {
    for (int i = 0; i < ids.length; i += 1000) {
      scheduler.enqueue(
          Arrays.stream(ids, i, Math.min(ids.length, i + 1000)).mapToObj(NoopRequest::new));
    }
  }

  @Override
  public void stopWorkers() {
    server.stop();
  }

  @Override
  public void startWorkers() {
    server.start();
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop();
    }
    JobRunr.destroy();
    if (dataSource != null) {
      dataSource.close();
    }
  }
}
