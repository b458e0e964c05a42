package org.openpincery.reasoner;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * How to reach the model. Without {@code LLM_API_KEY} the built-in offline model answers.
 *
 * @param baseUrl {@code LLM_API_BASE_URL}, such as https://openrouter.ai/api/v1
 * @param apiKey {@code LLM_API_KEY}; never printed
 * @param inputPricePerMTok {@code LLM_INPUT_PRICE_PER_MTOK_USD}: dollars per million prompt tokens
 * @param outputPricePerMTok {@code LLM_OUTPUT_PRICE_PER_MTOK_USD}
 * @param timeout {@code LLM_TIMEOUT_SECONDS}: a hard bound on each HTTP attempt
 * @param maxRetries {@code LLM_MAX_RETRIES}: retries after the first attempt (transport errors, 429
 *     and 5xx only)
 * @param maxRetryWait the longest a Retry-After is honoured; a longer one fails the call
 * @param maxTokens {@code LLM_MAX_TOKENS}: the completion budget asked of every call
 */
public record ReasonerConfig(
    URI baseUrl,
    Optional<String> apiKey,
    String model,
    String maintenanceModel,
    BigDecimal inputPricePerMTok,
    BigDecimal outputPricePerMTok,
    Duration timeout,
    int maxRetries,
    Duration maxRetryWait,
    int maxTokens,
    int maxConnections) {

  public static final String DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";

  public static ReasonerConfig from(Env env) {
    String rawUrl = env.string("LLM_API_BASE_URL", DEFAULT_BASE_URL);
    URI url;
    try {
      url = URI.create(rawUrl.endsWith("/") ? rawUrl.substring(0, rawUrl.length() - 1) : rawUrl);
      if (url.getHost() == null
          || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
        throw new IllegalArgumentException();
      }
    } catch (RuntimeException e) {
      throw new ConfigException(
          "LLM_API_BASE_URL",
          "must be an http(s) URL such as " + DEFAULT_BASE_URL + ", got '" + rawUrl + "'");
    }
    String model = env.string("LLM_MODEL", "openai/gpt-4o-mini");
    return new ReasonerConfig(
        url,
        env.string("LLM_API_KEY"),
        model,
        env.string("LLM_MAINTENANCE_MODEL", model),
        price(env, "LLM_INPUT_PRICE_PER_MTOK_USD", "0.15"),
        price(env, "LLM_OUTPUT_PRICE_PER_MTOK_USD", "0.60"),
        env.seconds("LLM_TIMEOUT_SECONDS", Duration.ofSeconds(60), 1, 600),
        env.integer("LLM_MAX_RETRIES", 3, 0, 10),
        Duration.ofSeconds(60),
        env.integer("LLM_MAX_TOKENS", 4096, 16, 200_000),
        env.integer("LLM_MAX_CONNECTIONS", 32, 1, 1024));
  }

  /** Whether the offline model is in use (no key configured). */
  public boolean offline() {
    return apiKey.isEmpty();
  }

  /** The prices calls are charged at; the offline model is free. */
  public Pricing pricing() {
    return offline()
        ? new Pricing(BigDecimal.ZERO, BigDecimal.ZERO)
        : new Pricing(inputPricePerMTok, outputPricePerMTok);
  }

  private static BigDecimal price(Env env, String name, String fallback) {
    String raw = env.string(name, fallback);
    try {
      BigDecimal value = new BigDecimal(raw);
      if (value.signum() < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(
          name, "must be a non-negative number of dollars, got '" + raw + "'");
    }
  }

  @Override
  public String toString() {
    return "ReasonerConfig[baseUrl="
        + baseUrl
        + ", apiKey="
        + (apiKey.isPresent() ? "***" : "unset (offline model)")
        + ", model="
        + model
        + ", maintenanceModel="
        + maintenanceModel
        + ", timeout="
        + timeout
        + ", maxRetries="
        + maxRetries
        + ", maxTokens="
        + maxTokens
        + "]";
  }
}
