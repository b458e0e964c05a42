package org.openpincery.reasoner;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.config.Env;

class OfflineAndPricingTest {

  @Test
  void withoutAKeyTheOfflineModelAnswersAndSaysSo() {
    ReasonerConfig config = ReasonerConfig.from(Env.of(Map.of()));
    assertThat(config.offline()).isTrue();
    ChatClient client = ChatClient.create(io.vertx.core.Vertx.vertx(), config);
    assertThat(client.describe()).contains("offline");

    var wake =
        (CallOutcome.Answered)
            client
                .complete(
                    new ChatRequest("m", List.of(ChatMessage.user("ping")), List.of(), 100, "wake"))
                .await();
    assertThat(wake.response().content()).startsWith(OfflineChatClient.LABEL).contains("ping");
    assertThat(wake.response().finishReason()).isEqualTo("stop");
    var wrapped =
        (CallOutcome.Answered)
            client
                .complete(
                    new ChatRequest(
                        "m",
                        List.of(
                            ChatMessage.user(
                                "<<untrusted:n0nce>>\n[message from person]\nhello\n<<end:n0nce>>")),
                        List.of(),
                        100,
                        "wake"))
                .await();
    assertThat(wrapped.response().content())
        .as("the prompt's delimiters (and the wake's nonce) are not repeated")
        .endsWith("I received: [message from person] hello")
        .doesNotContain("n0nce");
    assertThat(
            Charge.of(
                    new ChatRequest("m", List.of(ChatMessage.user("ping")), List.of(), 100, "wake"),
                    wake.response(),
                    config.pricing())
                .costUsd())
        .isEqualByComparingTo(BigDecimal.ZERO);

    var maintenance =
        (CallOutcome.Answered)
            client
                .complete(
                    new ChatRequest(
                        "m",
                        List.of(ChatMessage.user("transcript")),
                        List.of(),
                        100,
                        "maintenance"))
                .await();
    JsonObject projection = new JsonObject(maintenance.response().content());
    assertThat(projection.fieldNames())
        .containsExactlyInAnyOrder("identity", "work_list", "summary");
    assertThat(projection.getString("summary")).startsWith(OfflineChatClient.LABEL);
  }

  @Test
  void callsArePricedAndTheWorstCaseBoundsThem() {
    Pricing pricing = new Pricing(new BigDecimal("3.00"), new BigDecimal("15.00"));

    assertThat(pricing.cost(new Usage(1_000_000, 0))).isEqualByComparingTo("3.00");
    assertThat(pricing.cost(new Usage(2_000, 1_000))).isEqualByComparingTo("0.021");
    assertThat(pricing.worstCase(3_000, 1_000)).isEqualByComparingTo("0.018");
    assertThat(pricing.worstCase(3_000, 1_000))
        .isGreaterThanOrEqualTo(pricing.cost(new Usage(750, 1_000)));
  }

  @Test
  void settingsAreValidatedAndTheKeyIsNeverPrinted() {
    ReasonerConfig config =
        ReasonerConfig.from(
            Env.of(
                Map.of(
                    "LLM_API_KEY",
                    "sk-very-secret",
                    "LLM_API_BASE_URL",
                    "http://localhost:11434/v1/")));
    assertThat(config.offline()).isFalse();
    assertThat(config.baseUrl().toString()).isEqualTo("http://localhost:11434/v1");
    assertThat(config.toString()).doesNotContain("sk-very-secret");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ReasonerConfig.from(Env.of(Map.of("LLM_API_BASE_URL", "ftp://x"))))
        .hasMessageStartingWith("LLM_API_BASE_URL:");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ReasonerConfig.from(Env.of(Map.of("LLM_INPUT_PRICE_PER_MTOK_USD", "-1"))))
        .hasMessageStartingWith("LLM_INPUT_PRICE_PER_MTOK_USD:");
  }
}
