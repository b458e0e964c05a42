package org.openpincery.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {

  @Test
  void parsesAPostgresUrlWithCredentialsAndParameters() {
    DatabaseUrl url =
        DatabaseUrl.parse("postgres://pincery:s%40cret@db.internal:6543/agents?sslmode=require");

    assertThat(url.host()).isEqualTo("db.internal");
    assertThat(url.port()).isEqualTo(6543);
    assertThat(url.database()).isEqualTo("agents");
    assertThat(url.user()).isEqualTo("pincery");
    assertThat(url.password()).isEqualTo("s@cret");
    assertThat(url.params()).containsEntry("sslmode", "require");
    assertThat(url.jdbcUrl())
        .isEqualTo("jdbc:postgresql://db.internal:6543/agents?sslmode=require");
  }

  @Test
  void acceptsJdbcSpellingAndDefaultsThePort() {
    DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://localhost/pincery?user=me&password=pw");

    assertThat(url.port()).isEqualTo(5432);
    assertThat(url.user()).isEqualTo("me");
    assertThat(url.password()).isEqualTo("pw");
    assertThat(url.params()).isEmpty();
  }

  @Test
  void neverShowsThePassword() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://u:topsecret@h:1/d");

    assertThat(url.toString()).doesNotContain("topsecret").contains("u:***@h:1/d");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not a url",
        "mysql://u:p@h/d",
        "postgres://u:p@/d",
        "postgres://u:p@h:5432",
        "postgres://u:p@h:5432/",
        "postgres://u:p@h/a/b",
        "postgres://u:%zz@h/d"
      })
  void rejectsMalformedUrlsWithoutEchoingThem(String raw) {
    assertThatThrownBy(() -> DatabaseUrl.parse(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).isNotBlank().doesNotContain(":p@"));
  }
}
