package org.openpincery.gateway;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.model.Role;

/**
 * Single sign-on with an OpenID Connect provider (issue 14); present when {@code OIDC_ISSUER} is
 * set. Every setting is documented in docs/configuration.md and docs/sso.md.
 *
 * @param issuer {@code OIDC_ISSUER}: the provider's issuer URL; its discovery document is {@code
 *     <issuer>/.well-known/openid-configuration}. https, or http on a loopback address only
 * @param clientId {@code OIDC_CLIENT_ID}
 * @param clientSecret {@code OIDC_CLIENT_SECRET}; empty: a public client (PKCE only, no client
 *     authentication at the token endpoint)
 * @param redirectUrl {@code OIDC_REDIRECT_URL}, by default {@code
 *     <OPEN_PINCERY_PUBLIC_URL>/api/auth/oidc/callback}; registered at the provider as is
 * @param allowedDomains {@code OIDC_ALLOWED_DOMAINS}: lower-case email domains that may sign in;
 *     empty: any
 * @param roleClaim {@code OIDC_ROLE_CLAIM}: the ID token claim (a string or an array of strings)
 *     read for {@code roleMap}
 * @param roleMap {@code OIDC_ROLE_MAP}: claim value → role ({@code admin}, {@code operator}, {@code
 *     viewer}; owners are made in the application); the highest mapped role wins
 * @param defaultRole {@code OIDC_DEFAULT_ROLE}: the role of a person no mapped value matches; empty
 *     ({@code none}): such a person may not join
 * @param syncRole {@code OIDC_ROLE_SYNC}: each sign-in sets an existing member's role to the mapped
 *     one (never demoting an owner); off: roles are managed in the application after the first
 *     sign-in
 * @param workspace {@code OIDC_WORKSPACE}: the workspace people join; empty: the installation's
 * @param scopes {@code OIDC_SCOPES}: requested scopes, {@code openid} among them
 * @param requireVerifiedEmail {@code OIDC_REQUIRE_VERIFIED_EMAIL}: refuse an ID token whose {@code
 *     email_verified} is not true (turn off for providers that never send it, such as Entra ID)
 */
public record OidcConfig(
    URI issuer,
    String clientId,
    Optional<String> clientSecret,
    URI redirectUrl,
    Set<String> allowedDomains,
    String roleClaim,
    Map<String, Role> roleMap,
    Optional<Role> defaultRole,
    boolean syncRole,
    Optional<UUID> workspace,
    List<String> scopes,
    boolean requireVerifiedEmail) {

  static final String ISSUER = "OIDC_ISSUER";
  static final String CLIENT_ID = "OIDC_CLIENT_ID";
  static final String CLIENT_SECRET = "OIDC_CLIENT_SECRET";
  static final String REDIRECT_URL = "OIDC_REDIRECT_URL";
  static final String ALLOWED_DOMAINS = "OIDC_ALLOWED_DOMAINS";
  static final String ROLE_CLAIM = "OIDC_ROLE_CLAIM";
  static final String ROLE_MAP = "OIDC_ROLE_MAP";
  static final String DEFAULT_ROLE = "OIDC_DEFAULT_ROLE";
  static final String ROLE_SYNC = "OIDC_ROLE_SYNC";
  static final String WORKSPACE = "OIDC_WORKSPACE";
  static final String SCOPES = "OIDC_SCOPES";
  static final String REQUIRE_VERIFIED_EMAIL = "OIDC_REQUIRE_VERIFIED_EMAIL";

  /** The callback's path under the public URL. */
  static final String CALLBACK_PATH = "/api/auth/oidc/callback";

  private static final Pattern DOMAIN =
      Pattern.compile("(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,62}");

  public OidcConfig {
    allowedDomains = Set.copyOf(allowedDomains);
    roleMap = Map.copyOf(roleMap);
    scopes = List.copyOf(scopes);
  }

  /**
   * The SSO settings, or empty when {@code OIDC_ISSUER} is unset.
   *
   * @throws ConfigException naming the first wrong setting (exit 78)
   */
  static Optional<OidcConfig> from(Env env, Optional<String> publicUrl) {
    // Every setting is read (so deployment files are checked against all of them), then judged.
    Optional<String> issuer = env.string(ISSUER);
    Optional<String> clientId = env.string(CLIENT_ID);
    Optional<String> clientSecret = env.string(CLIENT_SECRET);
    Optional<String> redirectUrl = env.string(REDIRECT_URL);
    String domains = env.string(ALLOWED_DOMAINS, "");
    String roleClaim = env.string(ROLE_CLAIM, "groups");
    String roleMap = env.string(ROLE_MAP, "");
    String defaultRole = env.string(DEFAULT_ROLE, "viewer");
    Optional<String> syncRole = env.string(ROLE_SYNC);
    Optional<String> workspace = env.string(WORKSPACE);
    String scopes = env.string(SCOPES, "openid email profile");
    Optional<String> requireVerifiedEmail = env.string(REQUIRE_VERIFIED_EMAIL);
    if (issuer.isEmpty()) {
      if (clientId.isPresent()) {
        throw new ConfigException(ISSUER, "is required when " + CLIENT_ID + " is set");
      }
      return Optional.empty();
    }
    return Optional.of(
        new OidcConfig(
            issuer(issuer.get()),
            clientId.orElseThrow(
                () -> new ConfigException(CLIENT_ID, "is required when " + ISSUER + " is set")),
            clientSecret,
            redirectUrl(redirectUrl, publicUrl),
            domains(domains),
            roleClaim,
            roleMap(roleMap),
            defaultRole(defaultRole),
            bool(ROLE_SYNC, syncRole, false),
            workspace(workspace),
            scopes(scopes),
            bool(REQUIRE_VERIFIED_EMAIL, requireVerifiedEmail, true)));
  }

  /**
   * The role of a person whose {@link #roleClaim} holds {@code values}: the highest mapped one,
   * else {@link #defaultRole}.
   */
  Optional<Role> roleFor(List<String> values) {
    return values.stream()
        .map(roleMap::get)
        .filter(r -> r != null)
        .max(Role::compareTo)
        .or(() -> defaultRole);
  }

  /** Whether a person with this (lower-case) email may sign in, by its domain. */
  boolean domainAllowed(String email) {
    if (allowedDomains.isEmpty()) {
      return true;
    }
    int at = email.lastIndexOf('@');
    return at > 0 && allowedDomains.contains(email.substring(at + 1));
  }

  private static URI issuer(String raw) {
    URI uri = absolute(ISSUER, raw);
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ConfigException(ISSUER, "must not have a query or fragment, got '" + raw + "'");
    }
    if (uri.getScheme().equalsIgnoreCase("http") && !loopback(uri.getHost())) {
      throw new ConfigException(
          ISSUER, "must be https (http only on a loopback address, for tests), got '" + raw + "'");
    }
    return uri;
  }

  private static boolean loopback(String host) {
    return host.equals("localhost")
        || host.startsWith("127.")
        || host.equals("[::1]")
        || host.equals("::1");
  }

  private static URI redirectUrl(Optional<String> raw, Optional<String> publicUrl) {
    if (raw.isPresent()) {
      URI uri = absolute(REDIRECT_URL, raw.get());
      if (uri.getRawFragment() != null) {
        throw new ConfigException(
            REDIRECT_URL, "must not have a fragment, got '" + raw.get() + "'");
      }
      return uri;
    }
    return publicUrl
        .map(base -> URI.create(base + CALLBACK_PATH))
        .orElseThrow(
            () ->
                new ConfigException(
                    REDIRECT_URL,
                    "is required for single sign-on when "
                        + GatewayConfig.PUBLIC_URL
                        + " is unset (the provider redirects browsers to it): set either, such as "
                        + GatewayConfig.PUBLIC_URL
                        + "=https://pincery.example.com"));
  }

  private static URI absolute(String setting, String raw) {
    return GatewayConfig.httpUrl(raw)
        .orElseThrow(
            () ->
                new ConfigException(
                    setting,
                    "must be an absolute http or https URL without user info, got '" + raw + "'"));
  }

  private static Set<String> domains(String raw) {
    Set<String> out = new LinkedHashSet<>();
    for (String part : raw.split(",")) {
      String d = part.strip().toLowerCase(Locale.ROOT);
      if (d.startsWith("@")) {
        d = d.substring(1);
      }
      if (d.isEmpty()) {
        continue;
      }
      if (!DOMAIN.matcher(d).matches()) {
        throw new ConfigException(
            ALLOWED_DOMAINS,
            "must be comma-separated email domains such as example.com,example.org; '"
                + part.strip()
                + "' is not one");
      }
      out.add(d);
    }
    return out;
  }

  private static Map<String, Role> roleMap(String raw) {
    Map<String, Role> out = new LinkedHashMap<>();
    for (String part : raw.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.lastIndexOf('=');
      String value = eq < 0 ? "" : part.substring(0, eq).strip();
      Optional<Role> role = eq < 0 ? Optional.empty() : Role.parse(part.substring(eq + 1).strip());
      if (value.isEmpty() || role.isEmpty()) {
        throw new ConfigException(
            ROLE_MAP,
            "must be comma-separated claim=role pairs such as pincery-admins=admin,pincery-ops=operator"
                + " (roles: admin, operator, viewer); '"
                + part.strip()
                + "' is not one");
      }
      if (role.get() == Role.OWNER) {
        throw new ConfigException(
            ROLE_MAP,
            "cannot grant owner ('"
                + part.strip()
                + "'): owners are made in the application; map to admin at most");
      }
      out.put(value, role.get());
    }
    return out;
  }

  private static Optional<Role> defaultRole(String raw) {
    String wire = raw.toLowerCase(Locale.ROOT);
    if (wire.equals("none")) {
      return Optional.empty();
    }
    Optional<Role> role = Role.parse(wire).filter(r -> r != Role.OWNER);
    if (role.isEmpty()) {
      throw new ConfigException(
          DEFAULT_ROLE, "must be viewer, operator, admin or none, got '" + raw + "'");
    }
    return role;
  }

  private static Optional<UUID> workspace(Optional<String> raw) {
    try {
      return raw.map(UUID::fromString);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          WORKSPACE, "must be a workspace id (a UUID), got '" + raw.get() + "'");
    }
  }

  private static List<String> scopes(String raw) {
    List<String> out = new ArrayList<>();
    for (String s : raw.strip().split("[\\s,]+")) {
      if (!s.isEmpty() && !out.contains(s)) {
        out.add(s);
      }
    }
    if (!out.contains("openid")) {
      throw new ConfigException(SCOPES, "must include openid, got '" + raw + "'");
    }
    return out;
  }

  private static boolean bool(String name, Optional<String> raw, boolean fallback) {
    if (raw.isEmpty()) {
      return fallback;
    }
    return switch (raw.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new ConfigException(name, "must be true or false, got '" + raw.get() + "'");
    };
  }

  @Override
  public String toString() {
    return "OidcConfig[issuer="
        + issuer
        + ", clientId="
        + clientId
        + ", clientSecret="
        + (clientSecret.isPresent() ? "***" : "unset")
        + ", redirectUrl="
        + redirectUrl
        + ", allowedDomains="
        + allowedDomains
        + ", roleClaim="
        + roleClaim
        + ", roleMap="
        + roleMap
        + ", defaultRole="
        + defaultRole.map(Role::wire).orElse("none")
        + ", syncRole="
        + syncRole
        + ", workspace="
        + workspace.map(UUID::toString).orElse("installation's")
        + ", scopes="
        + scopes
        + ", requireVerifiedEmail="
        + requireVerifiedEmail
        + "]";
  }
}
