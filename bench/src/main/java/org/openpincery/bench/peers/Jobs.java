package org.openpincery.bench.peers;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs a pincery driver has in flight, one per agent: when its message was appended, when its
 * wake was claimed, and a future completed when the agent is asleep again. Times are {@link
 * System#nanoTime()}.
 */
final class Jobs {

  /** One job: a message to one agent. */
  static final class Job {
    volatile long appendedNanos;
    volatile long claimedNanos;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    /** Message appended → wake claimed in ns, or -1 when the claim was not seen. */
    long latencyNanos() {
      return claimedNanos == 0 || appendedNanos == 0
          ? -1
          : Math.max(0, claimedNanos - appendedNanos);
    }
  }

  private final ConcurrentHashMap<UUID, Job> open = new ConcurrentHashMap<>();

  /** Opens a job on {@code agent} before its message is appended. */
  Job begin(UUID agent) {
    Job job = new Job();
    open.put(agent, job);
    return job;
  }

  /** The wake of {@code agent} was claimed at {@code nanos}. */
  void claimed(UUID agent, long nanos) {
    Job job = open.get(agent);
    if (job != null && job.claimedNanos == 0) {
      job.claimedNanos = nanos;
    }
  }

  /** {@code agent} is asleep again: its job is done. */
  void finished(UUID agent) {
    Job job = open.remove(agent);
    if (job != null) {
      job.done.complete(null);
    }
  }
}
