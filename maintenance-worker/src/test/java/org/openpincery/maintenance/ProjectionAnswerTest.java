package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProjectionAnswerTest {

  @Test
  void readsTheObjectInsideCodeFencesAndProse() {
    String text =
        "Here you go:\n```json\n{\"identity\": \"I am Ada\", \"work_list\": [\"ship it\", \"test it\"],"
            + " \"summary\": \"Shipped.\"}\n```\nAnything else?";
    assertThat(ProjectionAnswer.parse(text))
        .contains(new ProjectionAnswer("I am Ada", "- ship it\n- test it", "Shipped."));
  }

  @Test
  void refusesWhatIsNotTheAskedObject() {
    assertThat(ProjectionAnswer.parse("I updated your memory.")).isEmpty();
    assertThat(ProjectionAnswer.parse("{\"identity\": \"x\"}")).isEmpty();
    assertThat(
            ProjectionAnswer.parse("{\"identity\": \"\", \"work_list\": \"\", \"summary\": \"\"}"))
        .isEmpty();
    assertThat(
            ProjectionAnswer.parse("{\"identity\": 3, \"work_list\": \"a\", \"summary\": \"b\"}"))
        .isEmpty();
    assertThat(ProjectionAnswer.parse("{not json}")).isEmpty();
    assertThat(ProjectionAnswer.parse(null)).isEmpty();
  }

  @Test
  void shortensALongSummaryWithoutSplittingACharacter() {
    String emoji = "\uD83D\uDE00";
    String longSummary = "a".repeat(498) + emoji + "tail";
    var answer =
        ProjectionAnswer.parse(
                "{\"identity\": \"i\", \"work_list\": \"w\", \"summary\": \"" + longSummary + "\"}")
            .orElseThrow();
    assertThat(answer.summary())
        .hasSizeLessThanOrEqualTo(MaintenanceWorkerConfig.SUMMARY_MAX_CHARS);
    assertThat(Character.isHighSurrogate(answer.summary().charAt(answer.summary().length() - 2)))
        .isFalse();
  }
}
