package org.openpincery.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The phrases of issue 17's contract, and what is not one of them. */
class SemanticStopTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stop",
        "Stop",
        "STOP!",
        "stop.",
        "Stop!!",
        "  stop  ",
        "\tstop\n",
        "halt",
        "Pause.",
        "stop now",
        "Stop   now!",
        "please stop",
        "Please stop."
      })
  void aMessageThatSaysOnlyStopIsAStop(String text) {
    assertThat(SemanticStop.of(text)).contains(SemanticStop.STOP);
    assertThat(SemanticStop.STOP.wire()).isEqualTo("stop");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "carry on",
        "Carry on.",
        "CARRY ON!",
        "continue",
        "Resume",
        "go on",
        "please continue",
        "carry on please",
        "  carry   on  "
      })
  void aMessageThatSaysOnlyCarryOnResumes(String text) {
    assertThat(SemanticStop.of(text)).contains(SemanticStop.CARRY_ON);
    assertThat(SemanticStop.CARRY_ON.wire()).isEqualTo("carry_on");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stop the build",
        "don't stop",
        "stop?",
        "stop, then continue",
        "please stop the deploy",
        "stopp",
        "unstoppable",
        "continue with the report",
        ".stop",
        "",
        "   ",
        "stop stop stop stop stop stop stop stop stop stop stop"
      })
  void anythingElseIsAnOrdinaryMessage(String text) {
    assertThat(SemanticStop.of(text)).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void noTextIsNoControl() {
    assertThat(SemanticStop.of(null)).isEqualTo(Optional.empty());
  }
}
