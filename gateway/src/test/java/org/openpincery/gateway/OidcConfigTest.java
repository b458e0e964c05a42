package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.model.Role;

/** The OIDC_* settings: defaults, and a wrong one stops start-up naming it. */
class OidcConfigTest {

  private static Map<String, String> valid() {
    Map<String, String> env = new HashMap<>();
    env.put("OPEN_PINCERY_PUBLIC_URL", "https://pincery.example.com/");
    env.put("OIDC_ISSUER", "https://login.example.com/realms/pincery");
    env.put("OIDC_CLIENT_ID", "pincery");
    return env;
  }

  private static GatewayConfig read(Map<String, String> env) {
    return GatewayConfig.from(Env.of(env), "127.0.0.1");
  }

  @Test
  void isOffWithoutAnIssuer() {
    assertThat(read(Map.of()).oidc()).isEmpty();
  }

  @Test
  void hasDefaultsForEverythingButIssuerAndClient() {
    OidcConfig oidc = read(valid()).oidc().orElseThrow();
    assertThat(oidc.redirectUrl())
        .hasToString("https://pincery.example.com/api/auth/oidc/callback");
    assertThat(oidc.clientSecret()).isEmpty();
    assertThat(oidc.allowedDomains()).isEmpty();
    assertThat(oidc.roleClaim()).isEqualTo("groups");
    assertThat(oidc.roleMap()).isEmpty();
    assertThat(oidc.defaultRole()).contains(Role.VIEWER);
    assertThat(oidc.syncRole()).isFalse();
    assertThat(oidc.workspace()).isEmpty();
    assertThat(oidc.scopes()).containsExactly("openid", "email", "profile");
    assertThat(oidc.requireVerifiedEmail()).isTrue();
  }

  @Test
  void mapsTheHighestRoleAndMatchesDomainsCaseInsensitively() {
    Map<String, String> env = valid();
    env.put("OIDC_ROLE_MAP", "pincery-ops=operator, pincery-admins=admin");
    env.put("OIDC_ALLOWED_DOMAINS", "Example.com, @example.org");
    env.put("OIDC_DEFAULT_ROLE", "none");
    env.put("OIDC_CLIENT_SECRET", "s3cret-value");
    OidcConfig oidc = read(env).oidc().orElseThrow();
    assertThat(oidc.roleFor(List.of("staff", "pincery-ops", "pincery-admins")))
        .contains(Role.ADMIN);
    assertThat(oidc.roleFor(List.of("pincery-ops"))).contains(Role.OPERATOR);
    assertThat(oidc.roleFor(List.of("staff"))).isEmpty();
    assertThat(oidc.domainAllowed("ann@example.com")).isTrue();
    assertThat(oidc.domainAllowed("bob@example.org")).isTrue();
    assertThat(oidc.domainAllowed("eve@sub.example.com")).isFalse();
    assertThat(oidc.domainAllowed("eve@example.com.evil.net")).isFalse();
    assertThat(read(env).toString()).doesNotContain("s3cret-value");
  }

  @Test
  void refusesEachWrongSettingByName() {
    assertRefused(Map.of(), "OIDC_ISSUER", Map.of("OIDC_ISSUER", ""));
    assertRefused(Map.of(), "OIDC_CLIENT_ID", Map.of("OIDC_CLIENT_ID", ""));
    assertRefused(Map.of("OIDC_ISSUER", "login.example.com"), "OIDC_ISSUER", Map.of());
    assertRefused(Map.of("OIDC_ISSUER", "http://login.example.com"), "OIDC_ISSUER", Map.of());
    assertRefused(Map.of("OIDC_ISSUER", "HTTP://login.example.com"), "OIDC_ISSUER", Map.of());
    assertRefused(Map.of(), "OIDC_REDIRECT_URL", Map.of("OPEN_PINCERY_PUBLIC_URL", ""));
    assertRefused(
        Map.of("OIDC_REDIRECT_URL", "/api/auth/oidc/callback"), "OIDC_REDIRECT_URL", Map.of());
    assertRefused(
        Map.of("OIDC_ALLOWED_DOMAINS", "example.com,not a domain"),
        "OIDC_ALLOWED_DOMAINS",
        Map.of());
    assertRefused(Map.of("OIDC_ROLE_MAP", "pincery-admins"), "OIDC_ROLE_MAP", Map.of());
    assertRefused(Map.of("OIDC_ROLE_MAP", "pincery-admins=superuser"), "OIDC_ROLE_MAP", Map.of());
    assertRefused(Map.of("OIDC_ROLE_MAP", "founders=owner"), "OIDC_ROLE_MAP", Map.of());
    assertRefused(Map.of("OIDC_DEFAULT_ROLE", "owner"), "OIDC_DEFAULT_ROLE", Map.of());
    assertRefused(Map.of("OIDC_ROLE_SYNC", "maybe"), "OIDC_ROLE_SYNC", Map.of());
    assertRefused(Map.of("OIDC_WORKSPACE", "team-a"), "OIDC_WORKSPACE", Map.of());
    assertRefused(Map.of("OIDC_SCOPES", "email profile"), "OIDC_SCOPES", Map.of());
  }

  @Test
  void acceptsAnHttpIssuerOnLoopbackAndAnExplicitRedirectUrl() {
    Map<String, String> env = valid();
    env.remove("OPEN_PINCERY_PUBLIC_URL");
    env.put("OIDC_ISSUER", "http://127.0.0.1:8443");
    env.put("OIDC_REDIRECT_URL", "https://pincery.example.com/api/auth/oidc/callback");
    assertThat(read(env).oidc().map(OidcConfig::redirectUrl).map(Object::toString))
        .isEqualTo(Optional.of("https://pincery.example.com/api/auth/oidc/callback"));
  }

  private static void assertRefused(
      Map<String, String> set, String setting, Map<String, String> unset) {
    Map<String, String> env = valid();
    env.putAll(set);
    unset.keySet().forEach(env::remove);
    assertThatThrownBy(() -> read(env))
        .as("%s with %s", setting, set)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).setting()).isEqualTo(setting));
  }
}
