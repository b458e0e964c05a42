package org.openpincery.reasoner;

import io.vertx.core.json.JsonObject;

/**
 * Token counts as the provider reported them. A {@code null} side was not usable: absent, JSON
 * null, negative, fractional or not a number. Providers differ here: OpenAI always reports usage,
 * many self-hosted servers (llama.cpp, vLLM and Ollama in some versions, proxies in front of them)
 * leave it out, send {@code "usage": null}, or fill only some fields. {@link Charge} turns this
 * into what a call is charged.
 *
 * @param promptTokens {@code prompt_tokens} (or {@code input_tokens})
 * @param completionTokens {@code completion_tokens} (or {@code output_tokens})
 * @param totalTokens {@code total_tokens}
 */
public record ReportedUsage(Integer promptTokens, Integer completionTokens, Integer totalTokens) {

  /** Nothing usable was reported. */
  public static final ReportedUsage NONE = new ReportedUsage(null, null, null);

  /** Both sides reported, as OpenAI does. */
  public static ReportedUsage of(int promptTokens, int completionTokens) {
    return new ReportedUsage(promptTokens, completionTokens, promptTokens + completionTokens);
  }

  /** Reads a response's {@code usage} value, whatever its shape; never fails. */
  static ReportedUsage from(Object usage) {
    if (!(usage instanceof JsonObject u)) {
      return NONE;
    }
    return new ReportedUsage(
        count(u, "prompt_tokens", "input_tokens"),
        count(u, "completion_tokens", "output_tokens"),
        count(u, "total_tokens", null));
  }

  private static Integer count(JsonObject usage, String name, String alias) {
    Integer value = count(usage.getValue(name));
    return value == null && alias != null ? count(usage.getValue(alias)) : value;
  }

  private static Integer count(Object value) {
    if (value instanceof Number n) {
      double d = n.doubleValue();
      return d >= 0 && d <= Integer.MAX_VALUE && d == Math.rint(d) ? (int) d : null;
    }
    if (value instanceof String s && s.matches("\\d{1,9}")) {
      return Integer.parseInt(s);
    }
    return null;
  }
}
