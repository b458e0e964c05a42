// graphile-worker driver for `./pincery bench peers`: systems `graphile-default` and `graphile-fast`
// (PEER_SYSTEM). One Node process holds the producers (WorkerUtils.addJob) and the runner (run());
// the task `noop` only records its start. Settings and their sources: bench/peers/README.md.
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import { CONCURRENCY, DATABASE_URL, PRODUCER_POOL, log, serve } from "./harness.mjs";

const system = process.env.PEER_SYSTEM ?? "graphile-default";
if (system !== "graphile-default" && system !== "graphile-fast") {
  process.stdout.write(JSON.stringify({ error: `graphile.mjs serves graphile-default and graphile-fast, not ${system}` }) + "\n");
  process.exit(1);
}
const fast = system === "graphile-fast";

// Warnings and errors only, to stderr (stdout is the protocol's).
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") log(`graphile ${level}: ${message}`);
});

/**
 * graphile-default: the library's defaults (pollInterval 2000 ms, prepared statements on, no local
 * queue, no completion batching) except concurrency = PEER_CONCURRENCY and the pool that goes with
 * it: maxPoolSize max(10, concurrency + 2), as that option's documentation recommends (the
 * default 10 makes the runner warn "maxPoolSize (10) smaller than concurrency (32) may lead to
 * non-optimal performance").
 * graphile-fast: the same plus the batching of worker.graphile.org/docs/performance:
 * localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0.
 */
function runnerOptions(onStart) {
  const options = {
    connectionString: DATABASE_URL,
    concurrency: CONCURRENCY,
    maxPoolSize: Math.max(10, CONCURRENCY + 2),
    noHandleSignals: true,
    logger,
    taskList: {
      noop: async (payload) => {
        onStart(payload.id);
      },
    },
  };
  if (fast) {
    options.preset = {
      worker: {
        localQueue: { size: 500 },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    };
  }
  return options;
}

let utils;
let runner;
let onStartFn;

await serve(system, {
  async setup(onStart) {
    onStartFn = onStart;
    // The producers' own pool, sized for the largest producer count (harness side, both variants).
    utils = await makeWorkerUtils({ connectionString: DATABASE_URL, maxPoolSize: PRODUCER_POOL, logger });
    await utils.migrate();
    runner = await run(runnerOptions(onStart));
  },
  async enqueue(id) {
    await utils.addJob("noop", { id });
  },
  async enqueueBacklog(ids) {
    for (let i = 0; i < ids.length; i += 1000) {
      await utils.addJobs(ids.slice(i, i + 1000).map((id) => ({ identifier: "noop", payload: { id } })));
    }
  },
  async stopWorkers() {
    if (runner) await runner.stop();
    runner = undefined;
  },
  async startWorkers() {
    runner = await run(runnerOptions(onStartFn));
  },
  async close() {
    if (runner) await runner.stop();
    runner = undefined;
    if (utils) await utils.release();
    utils = undefined;
  },
});
