package org.openpincery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.model.Capability.DESTRUCTIVE;
import static org.openpincery.model.Capability.EXTERNAL;
import static org.openpincery.model.Capability.READ_LOCAL;
import static org.openpincery.model.Capability.WRITE_LOCAL;
import static org.openpincery.model.PermissionMode.Verdict.NEEDS_APPROVAL;
import static org.openpincery.model.PermissionMode.Verdict.REFUSED;
import static org.openpincery.model.PermissionMode.Verdict.RUN;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each mode × each capability class, as issue 17 and docs/api.md "Supervision" state them. */
class PermissionModeTest {

  @Test
  void lockedRunsOnlyReadLocalTools() {
    assertThat(verdicts(PermissionMode.LOCKED))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(READ_LOCAL, RUN, WRITE_LOCAL, REFUSED, EXTERNAL, REFUSED, DESTRUCTIVE, REFUSED));
  }

  @Test
  void supervisedHoldsExternalAndDestructiveCallsForAnApproval() {
    assertThat(verdicts(PermissionMode.SUPERVISED))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                READ_LOCAL,
                RUN,
                WRITE_LOCAL,
                RUN,
                EXTERNAL,
                NEEDS_APPROVAL,
                DESTRUCTIVE,
                NEEDS_APPROVAL));
  }

  @Test
  void autonomousRunsEverything() {
    assertThat(verdicts(PermissionMode.AUTONOMOUS))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(READ_LOCAL, RUN, WRITE_LOCAL, RUN, EXTERNAL, RUN, DESTRUCTIVE, RUN));
  }

  @Test
  void modesAndClassesHaveTheirWireNames() {
    assertThat(PermissionMode.fromWire("locked")).contains(PermissionMode.LOCKED);
    assertThat(PermissionMode.fromWire("supervised")).contains(PermissionMode.SUPERVISED);
    assertThat(PermissionMode.fromWire("autonomous")).contains(PermissionMode.AUTONOMOUS);
    assertThat(PermissionMode.fromWire("Locked")).isEmpty();
    assertThat(PermissionMode.fromWire(null)).isEmpty();
    assertThat(Capability.fromWire("read_local")).contains(READ_LOCAL);
    assertThat(Capability.fromWire("destructive")).contains(DESTRUCTIVE);
    assertThat(Capability.fromWire("network")).isEmpty();
  }

  private static Map<Capability, PermissionMode.Verdict> verdicts(PermissionMode mode) {
    Map<Capability, PermissionMode.Verdict> out = new java.util.EnumMap<>(Capability.class);
    for (Capability c : Capability.values()) {
      out.put(c, mode.verdict(c));
    }
    return out;
  }
}
