// pg-boss driver for `./pincery bench peers`: system `pgboss`. One Node process holds the
// producers (send) and the worker (work); the handler only records each job's start.
// Settings and their sources: bench/peers/README.md.
import { PgBoss } from "pg-boss";
import { CONCURRENCY, DATABASE_URL, PRODUCER_POOL, log, serve } from "./harness.mjs";

const system = "pgboss";
const QUEUE = "bench";

/**
 * pg-boss's defaults except:
 * - LISTEN/NOTIFY on (constructor useListenNotify, queue notify): off by default, pg-boss 12's
 *   documented way to wake a worker the moment a job is created instead of at its next poll;
 * - pollingIntervalSeconds and notifyPollingIntervalSeconds at their documented minimum 0.5
 *   (defaults 2 and 30): the backstop poll when no NOTIFY comes;
 * - batchSize = PEER_CONCURRENCY (default 1) with one worker (localConcurrency 1, the default), so
 *   at most PEER_CONCURRENCY jobs run at once, and burstWhenBatchFull (default false) so a
 *   backlog is fetched batch after batch without waiting: with batchSize 1 a worker that has just
 *   finished a job sleeps until the next NOTIFY or poll, and a backlog drains at one poll a time.
 */
const WORK_OPTIONS = {
  batchSize: CONCURRENCY,
  burstWhenBatchFull: true,
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 0.5,
};

let boss; // the workers' instance: pg-boss's defaults (pool max 10, maintenance on)
let producer; // the producers' instance, its pool sized for the largest producer count
let onStartFn;

async function startWorkers() {
  await boss.work(QUEUE, WORK_OPTIONS, async (jobs) => {
    for (const job of jobs) onStartFn(job.data.id);
  });
}

await serve(system, {
  async setup(onStart) {
    onStartFn = onStart;
    boss = new PgBoss({ connectionString: DATABASE_URL, useListenNotify: true });
    boss.on("error", (e) => log("pg-boss error:", e?.message ?? e));
    await boss.start();
    await boss.createQueue(QUEUE, { notify: true });
    producer = new PgBoss({
      connectionString: DATABASE_URL,
      max: PRODUCER_POOL,
      supervise: false,
      schedule: false,
      migrate: false,
    });
    producer.on("error", (e) => log("pg-boss producer error:", e?.message ?? e));
    await producer.start();
    await startWorkers();
  },
  async enqueue(id) {
    await producer.send(QUEUE, { id });
  },
  async enqueueBacklog(ids) {
    for (let i = 0; i < ids.length; i += 1000) {
      await producer.insert(
        QUEUE,
        ids.slice(i, i + 1000).map((id) => ({ data: { id } })),
      );
    }
  },
  async stopWorkers() {
    await boss.offWork(QUEUE, { wait: true });
  },
  startWorkers,
  async close() {
    if (producer) await producer.stop({ graceful: true, close: true });
    if (boss) await boss.stop({ graceful: true, close: true });
    producer = boss = undefined;
  },
});
