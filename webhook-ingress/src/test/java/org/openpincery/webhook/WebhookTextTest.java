package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.model.StorableText;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/**
 * Signed deliveries whose bodies PostgreSQL cannot store as text are accepted (202) and kept
 * losslessly: JSON escaped in keys and values, text escaped, bytes that are not UTF-8 (or not text)
 * in base64, each with its flag. Never a 5xx, which a sender would retry for days.
 */
class WebhookTextTest {

  private static final String SECRET = "agent-webhook-secret-0123456789";
  private static final Vertx vertx = Vertx.vertx();
  private static final Store store =
      Store.open(vertx, new DatabaseConfig(TestPostgres.freshDatabase(), 4, "webhook-text"));
  private static final HttpClient http = HttpClient.newHttpClient();
  private static UUID workspace;
  private static int port;

  record Case(String name, String contentType, byte[] body, Consumer<StoredEvent> expect) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void serve() {
    workspace = store.agents().createWorkspace("ws").await();
    Router router = Router.router(vertx);
    WebhookRoutes.mount(
        router,
        vertx,
        store,
        WebhookConfig.from(Env.of(Map.of())),
        new SimpleMeterRegistry(),
        Clock.systemUTC());
    port =
        vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
  }

  @AfterAll
  static void close() {
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      } else {
        out.writeBytes((byte[]) p);
      }
    }
    return out.toByteArray();
  }

  private static List<String> escaped(StoredEvent e) {
    return e.payload().getJsonArray("escaped").getList().stream().map(String::valueOf).toList();
  }

  private static void keptAsBase64(StoredEvent e, byte[] body) {
    assertThat(e.payload().getString("encoding")).isEqualTo("base64");
    assertThat(Base64.getDecoder().decode(e.payload().getString("body_base64"))).isEqualTo(body);
  }

  static Stream<Case> cases() {
    byte[] badUtf8 = bytes("{\"text\": \"caf", new byte[] {(byte) 0xe9}, "\"}");
    byte[] textNul = bytes("line one", new byte[] {0}, "line two");
    byte[] textBad = bytes("price: 10", new byte[] {(byte) 0xff, (byte) 0xfe}, " EUR");
    byte[] binary = {0, 1, 2, (byte) 0xff, 0, 'P', 'K'};
    byte[] cesu = bytes("x", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, "y");
    return Stream.of(
        new Case(
            "JSON with \\u0000 in a value",
            "application/json",
            bytes("{\"source\": \"ci\", \"log\": \"a\\u0000b\"}"),
            e -> {
              JsonObject body = e.payload().getJsonObject("body");
              assertThat(body.getString("log")).isEqualTo("a\\u0000b");
              assertThat(StorableText.unescape(body.getString("log"))).isEqualTo("a\u0000b");
              assertThat(body.getString("source")).isEqualTo("ci");
              assertThat(e.source()).isEqualTo("ci");
              assertThat(escaped(e)).containsExactly("payload.body");
            }),
        new Case(
            "JSON with \\u0000 in a key",
            "application/json",
            bytes("{\"k\\u0000ey\": {\"inner\\u0000\": [1, \"x\"]}}"),
            e -> {
              JsonObject body = e.payload().getJsonObject("body");
              assertThat(
                      body.getJsonObject("k\\u0000ey").getJsonArray("inner\\u0000").getInteger(0))
                  .isEqualTo(1);
              assertThat(escaped(e)).containsExactly("payload.body");
            }),
        new Case(
            "JSON with a lone surrogate escape",
            "application/json",
            bytes("{\"source\": \"bot\\ud800\", \"s\": \"\\ud800\", \"pair\": \"\\ud83d\\ude00\"}"),
            e -> {
              JsonObject body = e.payload().getJsonObject("body");
              assertThat(body.getString("s")).isEqualTo("\\ud800");
              assertThat(body.getString("pair")).isEqualTo("\uD83D\uDE00");
              assertThat(e.source()).isEqualTo("bot\\ud800");
              assertThat(escaped(e)).containsExactly("payload.body");
            }),
        new Case(
            "JSON with bytes that are not UTF-8",
            "application/json",
            badUtf8,
            e -> {
              assertThat(e.content()).isEqualTo("{\"text\": \"caf\\xe9\"}");
              keptAsBase64(e, badUtf8);
              assertThat(escaped(e)).containsExactly("content");
            }),
        new Case(
            "JSON with an encoded surrogate (CESU-8)",
            "application/json",
            cesu,
            e -> {
              assertThat(e.content()).isEqualTo("x\\xed\\xa0\\x80y");
              keptAsBase64(e, cesu);
            }),
        new Case(
            "text/plain with a raw 0x00 byte",
            "text/plain; charset=utf-8",
            textNul,
            e -> {
              assertThat(e.content()).isEqualTo("line one\\u0000line two");
              assertThat(StorableText.unescape(e.content())).isEqualTo("line one\u0000line two");
              assertThat(e.payload().containsKey("body_base64")).isFalse();
              assertThat(escaped(e)).containsExactly("content");
            }),
        new Case(
            "text/plain with bytes that are not UTF-8",
            "text/plain",
            textBad,
            e -> {
              assertThat(e.content()).isEqualTo("price: 10\\xff\\xfe EUR");
              keptAsBase64(e, textBad);
              assertThat(escaped(e)).containsExactly("content");
            }),
        new Case(
            "no content type, bytes that are not UTF-8",
            null,
            textBad,
            e -> {
              assertThat(e.content()).isEqualTo("price: 10\\xff\\xfe EUR");
              keptAsBase64(e, textBad);
            }),
        new Case(
            "a binary type",
            "application/octet-stream",
            binary,
            e -> {
              assertThat(e.content())
                  .isEqualTo(
                      "(a application/octet-stream body of 7 bytes, kept as base64 in the payload)");
              keptAsBase64(e, binary);
              assertThat(e.payload().containsKey("escaped")).isFalse();
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isAcceptedAndKeptLosslessly(Case c) throws Exception {
    UUID agent =
        store.agents().createAgent(workspace, "a" + UUID.randomUUID(), SECRET, null).await();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/agents/" + agent + "/webhooks"))
            .header(
                "X-Webhook-Signature",
                "sha256="
                    + HexFormat.of()
                        .formatHex(
                            SignatureVerifier.hmac(
                                SECRET.getBytes(StandardCharsets.UTF_8), c.body())))
            .POST(HttpRequest.BodyPublishers.ofByteArray(c.body()));
    if (c.contentType() != null) {
      b.header("Content-Type", c.contentType());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    List<StoredEvent> events =
        store.events().pageAfter(agent, 0, 100).await().stream()
            .filter(e -> e.eventType().equals("webhook_received"))
            .toList();
    assertThat(events).hasSize(1);
    c.expect().accept(events.getFirst());
    assertThat(events.getFirst().payload().getInteger("size")).isEqualTo(c.body().length);

    // The same bytes again are the same delivery (its key is the body's hash): kept once.
    HttpResponse<String> again = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
  }

  // The JDK's client refuses control characters and raw bytes in headers; a raw socket sends what
  // any sender might. Returns the status line.
  private static String rawPost(UUID agent, byte[] extraHeaders, byte[] body) throws Exception {
    String signature =
        HexFormat.of()
            .formatHex(SignatureVerifier.hmac(SECRET.getBytes(StandardCharsets.UTF_8), body));
    String head =
        "POST /api/agents/"
            + agent
            + "/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "X-Webhook-Signature: sha256="
            + signature
            + "\r\nContent-Length: "
            + body.length
            + "\r\nConnection: close\r\n";
    try (var socket = new java.net.Socket("127.0.0.1", port)) {
      var out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(extraHeaders);
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)
          .lines()
          .findFirst()
          .orElse("");
    }
  }

  @org.junit.jupiter.api.Test
  void aHeaderWithNulIsRefusedBelowTheHandlerAndRawBytesInKeptHeadersAreKept() throws Exception {
    UUID agent =
        store.agents().createAgent(workspace, "a" + UUID.randomUUID(), SECRET, null).await();
    byte[] body = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);

    // HTTP forbids NUL in a header: the server's codec refuses it, a 4xx, before any handler.
    String refused = rawPost(agent, bytes("User-Agent: bot", new byte[] {0}, "one\r\n"), body);
    assertThat(refused).matches("HTTP/1\\.1 4\\d\\d .*");
    assertThat(store.events().pageNewest(agent, 10).await()).isEmpty();

    // Raw bytes (UTF-8 of an emoji, a stray 0xff) are read as ISO-8859-1: storable, kept as read.
    byte[] emoji = "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
    String accepted =
        rawPost(
            agent,
            bytes(
                "User-Agent: bot ",
                emoji,
                "\r\nX-Idempotency-Key: key-",
                new byte[] {(byte) 0xff},
                "\r\n"),
            body);
    assertThat(accepted).startsWith("HTTP/1.1 202");
    StoredEvent e = store.events().pageNewest(agent, 1).await().getFirst();
    assertThat(e.payload().getJsonObject("headers").getString("user-agent"))
        .isEqualTo("bot " + new String(emoji, StandardCharsets.ISO_8859_1));
    assertThat(e.payload().getString("delivery_id")).isEqualTo("key-\u00ff");
  }
}
