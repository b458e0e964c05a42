package org.openpincery.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StandardWebhooksTest {

  @Test
  void plainHttpIsAcceptedOnlyToALoopbackAddress() {
    assertThat(StandardWebhooks.urlProblem("http://127.0.0.1:9/hook", false)).isEmpty();
    assertThat(StandardWebhooks.urlProblem("http://127.1.2.3/hook", false)).isEmpty();
    assertThat(StandardWebhooks.urlProblem("http://localhost:9/hook", false)).isEmpty();
    assertThat(StandardWebhooks.urlProblem("http://[::1]:9/hook", false)).isEmpty();
    assertThat(StandardWebhooks.urlProblem("http://10.0.0.1/hook", false)).isPresent();
  }

  @Test
  void aNameThatOnlyStartsWith127IsNotLoopback() {
    assertThat(StandardWebhooks.urlProblem("http://127.example.com/hook", false))
        .contains("must be https (http only to a loopback address)");
    assertThat(StandardWebhooks.urlProblem("http://127.0.0.1.example.com/hook", false)).isPresent();
    assertThat(StandardWebhooks.urlProblem("http://127.example.com/hook", true)).isEmpty();
    assertThat(StandardWebhooks.urlProblem("https://127.example.com/hook", false)).isEmpty();
  }
}
