package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpincery.testkit.RawHttp;

/**
 * Every answer produced below the handlers (the codec, the size limits, the router's own 404, 405
 * and 413) is HTTP/1.1 with the JSON error shape and an {@code X-Request-Id}, on the API's routes
 * and on the webhook route alike. The bytes are sent over a raw socket, exactly as written here.
 */
class LowLevelAnswersTest {

  private static final GatewayFixture api =
      new GatewayFixture(Map.of("OPEN_PINCERY_MAX_BODY_BYTES", "2048"));
  private static final String WEBHOOK = "/api/agents/00000000-0000-4000-8000-000000000001/webhooks";

  record Case(String name, String request, int status, String code, boolean http11) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void warmUp() {
    assertThat(api.call("GET", "/health", null, null).status()).isEqualTo(200);
  }

  @AfterAll
  static void close() {
    api.close();
  }

  static Stream<Case> cases() {
    List<Case> c = new ArrayList<>();
    for (String path : List.of("/api/agents", WEBHOOK)) {
      String q = path + "?q=" + "x".repeat(9 * 1024);
      c.add(
          new Case(
              "9 KB query string on " + path,
              "GET " + q + " HTTP/1.1\r\nHost: t\r\n\r\n",
              414,
              "uri_too_long",
              true));
      c.add(
          new Case(
              "9 KB header on " + path,
              "POST "
                  + path
                  + " HTTP/1.1\r\nHost: t\r\nX-Big: "
                  + "y".repeat(9 * 1024)
                  + "\r\n\r\n",
              431,
              "headers_too_large",
              true));
      c.add(
          new Case(
              "many headers over 8 KB together on " + path,
              "GET "
                  + path
                  + " HTTP/1.1\r\nHost: t\r\n"
                  + ("X-Filler: " + "f".repeat(500) + "\r\n").repeat(20)
                  + "\r\n",
              431,
              "headers_too_large",
              true));
      c.add(
          new Case(
              "a header line without a colon on " + path,
              "GET " + path + " HTTP/1.1\r\nHost: t\r\nnot a header\r\n\r\n",
              400,
              "malformed_request",
              true));
      c.add(
          new Case(
              "100 KB request line, beyond what the codec reads, on " + path,
              "GET " + path + "?q=" + "x".repeat(100 * 1024) + " HTTP/1.1\r\nHost: t\r\n\r\n",
              414,
              "uri_too_long",
              false));
      c.add(
          new Case(
              "100 KB header, beyond what the codec reads, on " + path,
              "GET "
                  + path
                  + " HTTP/1.1\r\nHost: t\r\nX-Big: "
                  + "y".repeat(100 * 1024)
                  + "\r\n\r\n",
              431,
              "headers_too_large",
              false));
    }
    c.add(
        new Case(
            "a request line that is not HTTP",
            "HELLO THERE\r\n\r\n",
            400,
            "malformed_request",
            false));
    c.add(
        new Case(
            "HTTP/1.1 without Host",
            "GET /api/agents HTTP/1.1\r\nConnection: close\r\n\r\n",
            400,
            "invalid_request",
            true));
    c.add(
        new Case(
            "no such route",
            "GET /api/nothing-here HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            404,
            "not_found",
            true));
    c.add(
        new Case(
            "wrong method",
            "PUT /api/agents HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            405,
            "method_not_allowed",
            true));
    String big = "{\"name\":\"" + "n".repeat(4096) + "\"}";
    c.add(
        new Case(
            "body over the limit",
            "POST /api/agents HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + big.length()
                + "\r\nConnection: close\r\n\r\n"
                + big,
            413,
            "payload_too_large",
            true));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isAJsonErrorWithARequestId(Case c) throws Exception {
    RawHttp.Response r = RawHttp.exchange(api.port, c.request());

    assertThat(r.status()).as(r.statusLine()).isEqualTo(c.status());
    if (c.http11()) {
      assertThat(r.statusLine()).startsWith("HTTP/1.1 " + c.status());
    }
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.header("x-request-id")).isNotBlank();
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(c.code());
    assertThat(error.getString("message")).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void keepsTheCallersRequestId(Case c) throws Exception {
    if (c.request().startsWith("HELLO") || !c.http11()) {
      return; // no header of an unreadable request can be trusted
    }
    String withId = c.request().replaceFirst("\r\n", "\r\nX-Request-Id: edge-case-42\r\n");

    RawHttp.Response r = RawHttp.exchange(api.port, withId);

    assertThat(r.status()).isEqualTo(c.status());
    assertThat(r.header("x-request-id")).isEqualTo("edge-case-42");
  }
}
