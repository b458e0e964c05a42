package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/** {@code OPEN_PINCERY_TRUSTED_PROXIES} is checked whole at start-up, never on a request. */
class ClientAddressTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.0/40",
        "10.0.0.0/-1",
        "10.0.0.0/33",
        "fd00::/129",
        "10.0.0.0/",
        "10.0.0.0/8/8",
        "10.0.0.0/abc",
        "10.0.0.0/+8",
        "10.0.0.0/ 8",
        "proxy.internal",
        "localhost",
        "10.0.0.256",
        "garbage"
      })
  void aBadEntryRefusesStartUpNamingIt(String entry) {
    assertThatThrownBy(
            () ->
                GatewayConfig.from(
                    Env.of(Map.of("OPEN_PINCERY_TRUSTED_PROXIES", "127.0.0.1, " + entry)),
                    "127.0.0.1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OPEN_PINCERY_TRUSTED_PROXIES: '" + entry.strip() + "'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.0/8",
        "10.1.2.3",
        "0.0.0.0/0",
        "10.0.0.0/32",
        "fd00::/8",
        "2001:db8::1",
        "::/0",
        "2001:db8::/128",
        "::ffff:10.0.0.1"
      })
  void goodEntriesAreAccepted(String entry) {
    assertThat(ClientAddress.parse(List.of(entry))).hasSize(1);
  }
}
