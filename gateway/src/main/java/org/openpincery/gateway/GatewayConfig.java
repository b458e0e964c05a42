package org.openpincery.gateway;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.http.HttpEdges;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.model.PermissionMode;
import org.openpincery.vault.Vault;

/**
 * Settings of the operator API.
 *
 * @param bootstrapToken {@code OPEN_PINCERY_BOOTSTRAP_TOKEN}; empty disables bootstrap and login
 * @param sessionTtl {@code OPEN_PINCERY_SESSION_TTL_SECONDS}
 * @param unauthenticatedPerMinute {@code OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED} requests per
 *     minute per client address; 0 turns the limit off
 * @param authenticatedPerMinute {@code OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED} per session; 0 off
 * @param trustedProxies {@code OPEN_PINCERY_TRUSTED_PROXIES}: IP addresses or CIDRs (IPv4 or IPv6,
 *     comma-separated) whose {@code X-Forwarded-For} is believed; an entry that is not one (a host
 *     name, a prefix out of range) refuses start-up
 * @param maxBodyBytes {@code OPEN_PINCERY_MAX_BODY_BYTES}; larger bodies get 413
 * @param webhookGrace {@code OPEN_PINCERY_WEBHOOK_GRACE_SECONDS}: how long a rotated-out webhook
 *     secret keeps verifying
 * @param defaultBudgetUsd {@code OPEN_PINCERY_DEFAULT_BUDGET_USD}: a new agent's budget
 * @param sseHeartbeat {@code OPEN_PINCERY_SSE_HEARTBEAT_SECONDS}
 * @param vault {@code OPEN_PINCERY_VAULT_KEY}: seals credentials; without it the credentials API
 *     answers 503
 * @param shutdownGrace {@code OPEN_PINCERY_SHUTDOWN_GRACE_SECONDS}: in-flight requests get this
 *     long
 * @param publicUrl {@code OPEN_PINCERY_PUBLIC_URL}: the absolute http(s) base URL clients reach
 *     this API at (no trailing slash); {@code /openapi.json}'s server and agents' {@code
 *     webhook_url} use it. Empty: both are relative
 * @param idleTimeout {@code OPEN_PINCERY_IDLE_TIMEOUT_SECONDS}: a connection without traffic for
 *     this long closes; must be longer than {@code sseHeartbeat}
 * @param maxStreamsPerSession {@code OPEN_PINCERY_MAX_STREAMS_PER_SESSION}: open event streams per
 *     session; one more is {@code 429 too_many_streams}
 * @param oidc single sign-on with an OpenID Connect provider ({@code OIDC_*}); empty when {@code
 *     OIDC_ISSUER} is unset
 * @param defaultPermissionMode {@code DEFAULT_PERMISSION_MODE}: a new agent's permission mode when
 *     the request names none ({@code locked}, {@code supervised} or {@code autonomous}; default
 *     {@code supervised}); anything else refuses start-up
 * @param notifyAllowHttp {@code NOTIFY_ALLOW_HTTP}: notification subscriptions may use plain http
 *     to any host (otherwise https, or http to a loopback address only)
 * @param mcpAllowHttp {@code MCP_ALLOW_HTTP}: remote MCP servers may use plain http to any host
 *     (otherwise https, or http to a loopback address only)
 * @param mcpListTimeout {@code MCP_LIST_TIMEOUT_SECONDS}: how long an operator's refresh of a
 *     remote MCP server's tool list may take (connect, initialize, tools/list)
 * @param memory memory search ({@code MEMORY_EMBEDDINGS}, {@code MEMORY_QUERY_TIMEOUT_MS}): whether
 *     a query is embedded for semantic ranking, and how long that may take
 */
public record GatewayConfig(
    String host,
    int port,
    Optional<String> bootstrapToken,
    Duration sessionTtl,
    int unauthenticatedPerMinute,
    int authenticatedPerMinute,
    List<String> trustedProxies,
    long maxBodyBytes,
    Duration webhookGrace,
    BigDecimal defaultBudgetUsd,
    Duration sseHeartbeat,
    Duration shutdownGrace,
    Duration sessionCacheTtl,
    Optional<Vault> vault,
    Optional<String> publicUrl,
    Duration idleTimeout,
    int maxStreamsPerSession,
    Duration requestTimeout,
    Optional<OidcConfig> oidc,
    PermissionMode defaultPermissionMode,
    boolean notifyAllowHttp,
    boolean mcpAllowHttp,
    Duration mcpListTimeout,
    MemoryConfig memory) {

  public static final String BOOTSTRAP_TOKEN = "OPEN_PINCERY_BOOTSTRAP_TOKEN";
  public static final String PUBLIC_URL = "OPEN_PINCERY_PUBLIC_URL";
  public static final String TRUSTED_PROXIES = "OPEN_PINCERY_TRUSTED_PROXIES";
  static final String SSE_HEARTBEAT = "OPEN_PINCERY_SSE_HEARTBEAT_SECONDS";
  public static final String DEFAULT_PERMISSION_MODE = "DEFAULT_PERMISSION_MODE";
  static final int MIN_BOOTSTRAP_TOKEN_LENGTH = 16;

  public GatewayConfig {
    bootstrapToken.ifPresent(
        t -> {
          if (t.length() < MIN_BOOTSTRAP_TOKEN_LENGTH) {
            throw new ConfigException(
                BOOTSTRAP_TOKEN,
                "is too short: use at least " + MIN_BOOTSTRAP_TOKEN_LENGTH + " random characters");
          }
        });
    trustedProxies = List.copyOf(trustedProxies);
    ClientAddress.parse(trustedProxies); // refuses a bad entry now, not on each request
    publicUrl = publicUrl.map(GatewayConfig::publicUrl);
    if (sseHeartbeat.compareTo(idleTimeout) >= 0) {
      throw new ConfigException(
          SSE_HEARTBEAT,
          "must be shorter than "
              + HttpEdges.IDLE_TIMEOUT
              + " ("
              + idleTimeout.toSeconds()
              + " s), or idle event streams would be closed");
    }
  }

  /** Reads every setting; {@code defaultHost} differs between standalone and a split gateway. */
  public static GatewayConfig from(Env env, String defaultHost) {
    Optional<String> publicUrl = env.string(PUBLIC_URL).map(GatewayConfig::publicUrl);
    return new GatewayConfig(
        env.string("OPEN_PINCERY_HOST", defaultHost),
        env.integer("OPEN_PINCERY_PORT", 8080, 1, 65535),
        env.string(BOOTSTRAP_TOKEN),
        env.seconds("OPEN_PINCERY_SESSION_TTL_SECONDS", Duration.ofDays(30), 60, 365L * 86400),
        env.integer("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", 10, 0, 1_000_000),
        env.integer("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", 60, 0, 10_000_000),
        env.string(TRUSTED_PROXIES).map(s -> List.of(s.split("\\s*,\\s*"))).orElse(List.of()),
        env.integer("OPEN_PINCERY_MAX_BODY_BYTES", 1 << 20, 1024, 64 << 20),
        env.seconds("OPEN_PINCERY_WEBHOOK_GRACE_SECONDS", Duration.ofHours(24), 0, 30L * 86400),
        budget(env),
        env.seconds(SSE_HEARTBEAT, Duration.ofSeconds(15), 1, 3600),
        env.seconds("OPEN_PINCERY_SHUTDOWN_GRACE_SECONDS", Duration.ofSeconds(10), 0, 600),
        env.seconds("OPEN_PINCERY_SESSION_CACHE_SECONDS", Duration.ofSeconds(2), 0, 60),
        Vault.fromEnv(env),
        publicUrl,
        HttpEdges.idleTimeout(env),
        env.integer("OPEN_PINCERY_MAX_STREAMS_PER_SESSION", 10, 1, 1000),
        HttpEdges.requestTimeout(env),
        OidcConfig.from(env, publicUrl),
        permissionMode(env),
        flag(env, "NOTIFY_ALLOW_HTTP"),
        flag(env, "MCP_ALLOW_HTTP"),
        env.seconds("MCP_LIST_TIMEOUT_SECONDS", Duration.ofSeconds(5), 1, 120),
        MemoryConfig.from(env));
  }

  /** The same settings listening on another port (0: any free one; tests). */
  public GatewayConfig withPort(int otherPort) {
    return with(otherPort, bootstrapToken, vault);
  }

  /** The absolute URL of a path on this API when a public URL is set, else the path itself. */
  public String link(String path) {
    return publicUrl.map(base -> base + path).orElse(path);
  }

  /**
   * {@code raw} as an absolute http or https URL (scheme in any case) with a host and no user info;
   * empty otherwise. The settings that hold URLs add their own rules.
   */
  static java.util.Optional<URI> httpUrl(String raw) {
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      return java.util.Optional.empty();
    }
    boolean web =
        uri.getScheme() != null
            && (uri.getScheme().equalsIgnoreCase("http")
                || uri.getScheme().equalsIgnoreCase("https"));
    return web && uri.getHost() != null && uri.getRawUserInfo() == null
        ? java.util.Optional.of(uri)
        : java.util.Optional.empty();
  }

  private static String publicUrl(String raw) {
    URI uri = httpUrl(raw).orElse(null);
    if (uri == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ConfigException(
          PUBLIC_URL,
          "must be an absolute http or https URL without user, query or fragment, such as"
              + " https://pincery.example.com, got '"
              + raw
              + "'");
    }
    String text = uri.toString();
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    return text;
  }

  /** The same settings with a bootstrap token supplied by the launcher (standalone's own). */
  public GatewayConfig withBootstrapToken(String token) {
    return with(port, Optional.of(token), vault);
  }

  /** The same settings with a vault supplied by the launcher (standalone's own key file). */
  public GatewayConfig withVault(Vault supplied) {
    return with(port, bootstrapToken, Optional.of(supplied));
  }

  private GatewayConfig with(int otherPort, Optional<String> token, Optional<Vault> keys) {
    return new GatewayConfig(
        host,
        otherPort,
        token,
        sessionTtl,
        unauthenticatedPerMinute,
        authenticatedPerMinute,
        trustedProxies,
        maxBodyBytes,
        webhookGrace,
        defaultBudgetUsd,
        sseHeartbeat,
        shutdownGrace,
        sessionCacheTtl,
        keys,
        publicUrl,
        idleTimeout,
        maxStreamsPerSession,
        requestTimeout,
        oidc,
        defaultPermissionMode,
        notifyAllowHttp,
        mcpAllowHttp,
        mcpListTimeout,
        memory);
  }

  private static PermissionMode permissionMode(Env env) {
    String raw = env.string(DEFAULT_PERMISSION_MODE, PermissionMode.SUPERVISED.wire());
    return PermissionMode.fromWire(raw)
        .orElseThrow(
            () ->
                new ConfigException(
                    DEFAULT_PERMISSION_MODE,
                    "must be locked, supervised or autonomous, got '" + raw + "'"));
  }

  private static boolean flag(Env env, String name) {
    String raw = env.string(name, "false");
    if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(raw);
    }
    throw new ConfigException(name, "must be true or false, got '" + raw + "'");
  }

  private static BigDecimal budget(Env env) {
    String raw = env.string("OPEN_PINCERY_DEFAULT_BUDGET_USD", "10");
    try {
      BigDecimal value = new BigDecimal(raw);
      if (value.signum() < 0 || value.scale() > 6) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "OPEN_PINCERY_DEFAULT_BUDGET_USD",
          "must be a non-negative amount in dollars with at most 6 decimals, got '" + raw + "'");
    }
  }

  @Override
  public String toString() {
    return "GatewayConfig[host="
        + host
        + ", port="
        + port
        + ", bootstrapToken="
        + (bootstrapToken.isPresent() ? "***" : "unset")
        + ", sessionTtl="
        + sessionTtl
        + ", limits="
        + unauthenticatedPerMinute
        + "/"
        + authenticatedPerMinute
        + " per min, trustedProxies="
        + trustedProxies
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", publicUrl="
        + publicUrl.orElse("unset")
        + ", idleTimeout="
        + idleTimeout
        + ", maxStreamsPerSession="
        + maxStreamsPerSession
        + ", requestTimeout="
        + requestTimeout
        + ", oidc="
        + oidc.map(OidcConfig::toString).orElse("off")
        + ", defaultPermissionMode="
        + defaultPermissionMode
        + "]";
  }
}
