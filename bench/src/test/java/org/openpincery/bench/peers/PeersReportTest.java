package org.openpincery.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tables give the median over rounds with min–max, per-job CPU, and ratios of medians. */
class PeersReportTest {

  private static Cell cell(String system, String mode, int n, int round, long jobs) {
    return new Cell(
        system,
        mode,
        n,
        round,
        jobs,
        1.0,
        2.0,
        9.0,
        12.0,
        "enqueue → start",
        jobs * 2.0,
        jobs * 3.0,
        100);
  }

  @Test
  void mediansRangesAndRatios() {
    List<Cell> cells =
        List.of(
            cell("pincery-bare", "closed", 4, 1, 100),
            cell("pincery-bare", "closed", 4, 2, 300),
            cell("pincery-bare", "closed", 4, 3, 200),
            cell("pgboss", "closed", 4, 1, 400),
            cell("pgboss", "closed", 4, 2, 400),
            cell("pgboss", "closed", 4, 3, 400),
            cell("pgbench", "closed", 4, 1, 800),
            cell("pincery-bare", "drain", 50, 1, 50),
            cell("pgboss", "drain", 50, 1, 0));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    new PeersReport(cells, new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .print(List.of("pincery-bare", "pgboss", "pgbench"), new int[] {4}, 50);

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("| pincery-bare | 4 | 200 (100–300) | 2.00 | 9.00 | 2.000 | 3.000 | 100 |")
        .contains("| pincery-bare ÷ pgboss | 0.50 |")
        .contains("| pincery-bare ÷ pgbench | 0.25 |")
        .contains("| pgbench | — | no drain mode |")
        .contains("| pincery-bare ÷ pgboss | — (0 jobs) |");
  }
}
