// The driver side of the `./pincery bench peers` protocol (bench/peers/README.md), shared by the
// Node peers. A driver hands serve() an object:
//   setup(onStart)         install the schema, start the workers; the task handler calls
//                          onStart(id) first thing (id = the producer-side job id in the payload)
//   enqueue(id)            add one job carrying id; resolves once the insert has committed
//   enqueueBacklog(ids)    add many jobs (drain mode; the workers are stopped meanwhile)
//   stopWorkers()          stop picking jobs (drain mode: before the backlog is added)
//   startWorkers()         start picking jobs again
//   close()                stop everything, close the pools
// stdout carries protocol lines only; logs go to stderr.
import readline from "node:readline";

/** Largest producer count the orchestrator uses: the producers' own pool is sized for it. */
export const PRODUCER_POOL = Number(process.env.PEER_PRODUCER_POOL ?? 64);
export const CONCURRENCY = Number(process.env.PEER_CONCURRENCY ?? 32);
export const DATABASE_URL = process.env.PEER_DATABASE_URL;

const WARMUP_JOBS = 300;
const WARMUP_PRODUCERS = 4;
// Warm-up ends after WARMUP_JOBS jobs or this long (a polling peer may do few jobs).
const WARMUP_SECONDS = 5;
/** A job not started this long after its run's end is reported as an error, not waited on. */
const STRAGGLER_TIMEOUT_MS = 30_000;

export function log(...args) {
  console.error(`[${process.env.PEER_SYSTEM ?? "peer"}]`, ...args);
}

function percentile(sorted, q) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

const round = (x, digits) => Number(x.toFixed(digits));

export async function serve(system, driver) {
  if (!DATABASE_URL) fail("PEER_DATABASE_URL is not set");
  let nextId = 1;
  const started = new Map(); // id -> hrtime (ns) when its handler started
  const waiters = new Map(); // id -> resolve(startNs)

  const onStart = (id) => {
    const t = process.hrtime.bigint();
    const w = waiters.get(id);
    if (w) {
      waiters.delete(id);
      w(t);
    } else {
      started.set(id, t);
    }
  };

  function startedPromise(id) {
    return new Promise((resolve) => {
      const t = started.get(id);
      if (t !== undefined) {
        started.delete(id);
        resolve(t);
      } else {
        waiters.set(id, resolve);
      }
    });
  }

  function withTimeout(promise, deadlineNs, what) {
    const ms = Number(deadlineNs - process.hrtime.bigint()) / 1e6 + STRAGGLER_TIMEOUT_MS;
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: a job never started`)), Math.max(ms, 1000));
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Closed loop: each producer enqueues, waits for its job's handler, repeats until the end. */
  async function closed(producers, seconds, maxJobs = Infinity) {
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(seconds * 1e9));
    const latencies = [];
    let jobs = 0;
    let issued = 0;
    async function producer() {
      while (process.hrtime.bigint() < end && issued < maxJobs) {
        issued++;
        const id = nextId++;
        const startedAt = startedPromise(id);
        await driver.enqueue(id);
        const enqueuedAt = process.hrtime.bigint();
        const startNs = await withTimeout(startedAt, end, "closed");
        if (startNs <= end) {
          jobs++;
          // The handler may be told of the job before this process sees the insert's reply.
          latencies.push(startNs > enqueuedAt ? Number(startNs - enqueuedAt) / 1e6 : 0);
        }
      }
    }
    await Promise.all(Array.from({ length: producers }, producer));
    const elapsed = maxJobs === Infinity ? seconds : Number(process.hrtime.bigint() - t0) / 1e9;
    return result(system, "closed", producers, jobs, elapsed, latencies);
  }

  /** Backlog drain: J jobs added with the workers stopped, then timed until all have started. */
  async function drain(count) {
    await driver.stopWorkers();
    const ids = Array.from({ length: count }, () => nextId++);
    const startedAt = ids.map(startedPromise);
    await driver.enqueueBacklog(ids);
    const enqueuedAt = process.hrtime.bigint();
    const t0 = process.hrtime.bigint();
    await driver.startWorkers();
    const starts = await withTimeout(Promise.all(startedAt), t0, "drain");
    const t1 = process.hrtime.bigint();
    const latencies = starts.map((s) => (s > enqueuedAt ? Number(s - enqueuedAt) / 1e6 : 0));
    return result(system, "drain", count, count, Number(t1 - t0) / 1e9, latencies);
  }

  try {
    await driver.setup(onStart);
    await closed(WARMUP_PRODUCERS, WARMUP_SECONDS, WARMUP_JOBS);
    await drain(50);
  } catch (e) {
    await fail(`setup: ${e?.stack ?? e}`, driver);
  }
  process.stdout.write("READY\n");

  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  let quitting = false;
  const quit = async () => {
    if (quitting) return;
    quitting = true;
    try {
      await driver.close();
    } catch (e) {
      log("close:", e?.stack ?? e);
    }
    process.exit(0);
  };
  // One command at a time, in order.
  let chain = Promise.resolve();
  rl.on("line", (line) => {
    chain = chain.then(async () => {
      const words = line.trim().split(/\s+/);
      if (words[0] === "") return;
      if (words[0] === "QUIT") return quit();
      if (words[0] !== "RUN" || words.length !== 4) {
        return fail(`unknown command: ${line}`, driver);
      }
      const [, mode, a, b] = words;
      try {
        let r;
        if (mode === "closed") r = await closed(Number(a), Number(b));
        else if (mode === "drain") r = await drain(Number(a));
        else return fail(`unknown mode: ${mode}`, driver);
        process.stdout.write(JSON.stringify(r) + "\n");
      } catch (e) {
        return fail(`${mode}: ${e?.stack ?? e}`, driver);
      }
    });
  });
  rl.on("close", () => {
    chain = chain.then(quit);
  });
}

function result(system, mode, producers, jobs, seconds, latencies) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    system,
    mode,
    producers,
    jobs,
    seconds: round(seconds, 3),
    per_second: round(seconds > 0 ? jobs / seconds : 0, 1),
    latency_p50_ms: round(percentile(sorted, 0.5), 3),
    latency_p99_ms: round(percentile(sorted, 0.99), 3),
    latency_max_ms: round(sorted.length ? sorted[sorted.length - 1] : 0, 3),
  };
}

async function fail(message, driver) {
  log(message);
  process.stdout.write(JSON.stringify({ error: String(message).split("\n")[0] }) + "\n");
  try {
    await driver?.close();
  } catch {
    // exiting anyway
  }
  process.exit(1);
}
