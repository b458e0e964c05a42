package org.openpincery.bench.peers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One system of the peers benchmark: its id, the toolchain it needs, and how to start its driver
 * (the working directory is the repository root; the orchestrator adds PEER_DATABASE_URL,
 * PEER_CONCURRENCY and PEER_SYSTEM). Adding a peer is one line in {@link #all}.
 *
 * @param toolchain {@code bench} (this JVM), {@code node} (bench/peers/node installed), {@code
 *     maven} (bench/peers/jvm built) or {@code pgbench} (run by the orchestrator, no driver)
 */
public record PeerSystem(String id, String toolchain, List<String> command) {

  /** Where {@code npm install} puts the Node drivers and their packages. */
  public static final Path NODE_DIR = Path.of("bench/target/peers/node");

  /** Where {@code mvn -f bench/peers/jvm/pom.xml package} puts the JVM drivers' jar and lib/. */
  public static final Path JVM_DIR = Path.of("bench/target/peers/jvm");

  /** Every system, in round order. */
  public static List<PeerSystem> all(String java) {
    List<String> bench =
        List.of(
            java, "-Dlogback.configurationFile=peers-logback.xml", "-cp", "bench/target/bench.jar");
    // bench/peers/README.md (command lines of the peer drivers)
    List<String> jvm = List.of(java, "-cp", JVM_DIR + "/classes:" + JVM_DIR + "/lib/*");
    String dbScheduler = "org.openpincery.bench.peers.DbSchedulerDriver";
    return List.of(
        new PeerSystem("pincery-bare", "bench", plus(bench, PinceryDriver.class.getName())),
        new PeerSystem("pincery-full", "bench", plus(bench, PinceryDriver.class.getName())),
        new PeerSystem("graphile-default", "node", List.of("node", NODE_DIR + "/graphile.mjs")),
        new PeerSystem("graphile-fast", "node", List.of("node", NODE_DIR + "/graphile.mjs")),
        new PeerSystem("pgboss", "node", List.of("node", NODE_DIR + "/pgboss.mjs")),
        new PeerSystem("db-scheduler", "maven", plus(jvm, dbScheduler)),
        new PeerSystem("db-scheduler-fast", "maven", plus(jvm, dbScheduler)),
        new PeerSystem("jobrunr", "maven", plus(jvm, "org.openpincery.bench.peers.JobRunrDriver")),
        new PeerSystem("pgbench", "pgbench", List.of()));
  }

  private static List<String> plus(List<String> head, String last) {
    List<String> all = new ArrayList<>(head);
    all.add(last);
    return List.copyOf(all);
  }
}
