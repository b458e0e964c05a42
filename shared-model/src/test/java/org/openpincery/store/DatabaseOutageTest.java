package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/** Which failures mean "the database is away" (503, retry) rather than a bug (500). */
class DatabaseOutageTest {

  @Test
  void aConnectionResetUnderARunningStatementIsAnOutage() {
    // As the multi-process chaos suite met them when PostgreSQL restarted under load.
    assertThat(DatabaseOutage.is(new SocketException("Connection reset"))).isTrue();
    assertThat(DatabaseOutage.is(new VertxException(new SocketException("Connection reset"))))
        .isTrue();
    assertThat(DatabaseOutage.is(new IOException("Connection reset by peer"))).isTrue();
    assertThat(
            DatabaseOutage.is(
                new VertxException("Connection is not active now, current status: CLOSED")))
        .isTrue();
    assertThat(DatabaseOutage.is(new IOException("Broken pipe"))).isTrue();
    assertThat(DatabaseOutage.is(new ConnectException("Connection refused"))).isTrue();
  }

  @Test
  void otherFailuresAreNot() {
    assertThat(DatabaseOutage.is(new IllegalStateException("Connection reset"))).isFalse();
    assertThat(DatabaseOutage.is(new VertxException("something else entirely"))).isFalse();
    assertThat(DatabaseOutage.is(new IOException("disk full"))).isFalse();
    assertThat(DatabaseOutage.is(new java.io.FileNotFoundException("Connection reset"))).isFalse();
    assertThat(DatabaseOutage.is(null)).isFalse();
  }
}
