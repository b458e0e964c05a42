package org.openpincery.reasoner;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The built-in model used when no {@code LLM_API_KEY} is configured, so the whole lifecycle can be
 * seen without a provider. It answers deterministically, says in every answer that it is the
 * offline model, never calls tools, and costs nothing.
 */
public final class OfflineChatClient implements ChatClient {

  public static final String LABEL = "[offline model]";

  // The prompt's per-wake delimiters around untrusted input (PromptBuilder): not repeated in the
  // answer, which would only show the wake's nonce to whoever reads the log.
  private static final Pattern WRAPPER =
      Pattern.compile("\\A<<untrusted:[^>\\n]*>>\\n|\\n<<end:[^>\\n]*>>\\z");

  /** The input without its delimiters, on one line: {@code [message from person] hello}. */
  static String unwrapped(String content) {
    return WRAPPER.matcher(content).replaceAll("").replace('\n', ' ');
  }

  @Override
  public String describe() {
    return "the built-in offline model (no LLM_API_KEY configured)";
  }

  @Override
  public Future<CallOutcome> complete(ChatRequest request) {
    String lastUser =
        request.messages().stream()
            .filter(m -> m.role().equals("user") && m.content() != null)
            .reduce((a, b) -> b)
            .map(ChatMessage::content)
            .map(OfflineChatClient::unwrapped)
            .orElse("");
    String content =
        request.purpose().equals("maintenance")
            ? new JsonObject()
                .put(
                    "identity",
                    LABEL + " An agent run by the offline model; set LLM_API_KEY for a real one.")
                .put("work_list", LABEL + " Nothing is tracked without a real model.")
                .put("summary", LABEL + " Woke, acknowledged its input, went back to sleep.")
                .encode()
            : LABEL
                + " No LLM_API_KEY is configured, so this reply comes from the built-in offline model."
                + " I received: "
                + (lastUser.length() > 200 ? lastUser.substring(0, 200) + "…" : lastUser);
    int promptTokens = (int) Math.min(Integer.MAX_VALUE, (request.promptChars() + 3) / 4);
    int completionTokens = (content.length() + 3) / 4;
    JsonObject raw = new JsonObject().put("offline", true).put("content", content);
    return Future.succeededFuture(
        new CallOutcome.Answered(
            new ChatResponse(
                content, List.of(), "stop", ReportedUsage.of(promptTokens, completionTokens), raw),
            1,
            Duration.ZERO));
  }
}
