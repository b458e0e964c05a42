package org.openpincery.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openpincery.bench.Pgbench;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.TestPostgres;

/**
 * The ceiling's script (pgbench/bare-wake.sql) runs one whole bare wake per transaction without a
 * client aborting, on a freshly migrated database, and its cells carry pgbench's latency and CPU.
 */
class PgbenchCeilingTest {

  @Test
  void runsOneBareWakePerTransaction() throws Exception {
    assumeTrue(Pgbench.available(), "pgbench is not installed (apt-get install postgresql-client)");
    DatabaseUrl db = TestPostgres.emptyDatabase();
    long postmaster = ProcStat.postmaster(db).orElse(-1);

    List<Cell> cells = PgbenchCeiling.run(db, new int[] {1, 2}, 1, 1, postmaster);

    assertThat(cells).extracting(Cell::producers).containsExactly(1, 2);
    for (Cell c : cells) {
      assertThat(c.system()).isEqualTo("pgbench");
      assertThat(c.jobs()).isPositive();
      assertThat(c.p50Ms()).isPositive();
      assertThat(c.latency()).isEqualTo(PgbenchCeiling.LATENCY);
      assertThat(c.driverCpuMs()).isGreaterThanOrEqualTo(0);
    }
    // Every transaction put its agent back to sleep with nothing pending: the script is whole.
    try (var c = TestPostgres.connect(db);
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT count(*) FROM agents WHERE status <> 'asleep' OR has_pending")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }
}
