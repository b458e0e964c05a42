package org.openpincery.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StorableTextTest {

  private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, two UTF-16 units

  @Test
  void findsNulAndUnpairedSurrogatesAndNothingElse() {
    assertThat(StorableText.firstUnstorable("plain " + EMOJI + " text\t\n\u007f")).isEqualTo(-1);
    assertThat(StorableText.firstUnstorable("ab\u0000c")).isEqualTo(2);
    assertThat(StorableText.firstUnstorable("a\uD800b")).isEqualTo(1);
    assertThat(StorableText.firstUnstorable("a\uDC00")).isEqualTo(1);
    assertThat(StorableText.firstUnstorable(EMOJI + "\uD83D")).isEqualTo(2);
    assertThat(StorableText.problem("a\u0000")).contains("U+0000");
    assertThat(StorableText.problem("\uD800")).contains("an unpaired surrogate (U+D800)");
    assertThat(StorableText.problem("fine")).isEmpty();
  }

  @Test
  void escapingIsLosslessAndItsResultIsStorable() {
    for (String s :
        List.of(
            "",
            "plain",
            "a\u0000b",
            "back\\slash and \\u0000 as text",
            "lone \uD800 high, lone \uDFFF low, pair " + EMOJI,
            "\\\u0000\\\uD800\\",
            "ends with \\u")) {
      String escaped = StorableText.escape(s);
      assertThat(StorableText.isStorable(escaped)).as(escaped).isTrue();
      assertThat(StorableText.unescape(escaped)).isEqualTo(s);
    }
    assertThat(StorableText.escape("a\u0000b\uD800\\")).isEqualTo("a\\u0000b\\ud800\\\\");
  }

  @Test
  void jsonIsCheckedAndEscapedInKeysAndValuesAtEveryDepth() {
    JsonObject json =
        new JsonObject()
            .put("ok", 1)
            .put("k\u0000ey", "v")
            .put("list", new JsonArray().add(new JsonObject().put("deep", "x\uD800")).add(true));
    assertThat(StorableText.isStorable(json)).isFalse();
    assertThat(StorableText.isStorable(new JsonObject().put("a", new JsonArray().add("b"))))
        .isTrue();
    JsonObject escaped = (JsonObject) StorableText.escapeJson(json);
    assertThat(StorableText.isStorable(escaped)).isTrue();
    assertThat(escaped.getInteger("ok")).isEqualTo(1);
    assertThat(escaped.getString("k\\u0000ey")).isEqualTo("v");
    assertThat(escaped.getJsonArray("list").getJsonObject(0).getString("deep"))
        .isEqualTo("x\\ud800");
    assertThat(escaped.getJsonArray("list").getBoolean(1)).isTrue();
  }

  @Test
  void lengthsCountCodePoints() {
    String thousand = EMOJI.repeat(1000);
    assertThat(thousand.length()).isEqualTo(2000);
    assertThat(StorableText.codePoints(thousand)).isEqualTo(1000);
    assertThat(StorableText.longerThan(thousand, 1000)).isFalse();
    assertThat(StorableText.longerThan(thousand + "x", 1000)).isTrue();
    assertThat(StorableText.truncate(EMOJI.repeat(3), 2)).isEqualTo(EMOJI.repeat(2));
    assertThat(StorableText.truncate("abc", 5)).isEqualTo("abc");
  }

  @Test
  void utf8IsDecodedStrictlyAndViewedWithTheBadBytesShown() {
    byte[] good = ("h\u00e9llo " + EMOJI).getBytes(StandardCharsets.UTF_8);
    assertThat(StorableText.decodeUtf8(good)).contains("h\u00e9llo " + EMOJI);
    byte[] bad = {'a', (byte) 0xff, 'b', 0, '\\', (byte) 0xc3};
    assertThat(StorableText.decodeUtf8(bad)).isEmpty();
    // An encoded surrogate and an overlong NUL are not well-formed UTF-8 either.
    assertThat(StorableText.decodeUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}))
        .isEmpty();
    assertThat(StorableText.decodeUtf8(new byte[] {(byte) 0xc0, (byte) 0x80})).isEmpty();
    String view = StorableText.escapedView(bad);
    assertThat(view).isEqualTo("a\\xffb\\u0000\\\\\\xc3");
    assertThat(StorableText.isStorable(view)).isTrue();
  }

  @Test
  void aStorableEventIsKeptAsItIs() {
    NewEvent e = NewEvent.messageReceived("person", "hi " + EMOJI);
    assertThat(e.storable()).isSameAs(e);
  }

  @Test
  void anEventIsEscapedFieldByFieldAndTheFieldsAreNamed() {
    NewEvent e =
        new NewEvent(
                EventType.TOOL_RESULT,
                "runtime",
                "said \u0000",
                "shell",
                new JsonObject().put("command", "echo \uD800"),
                "out\u0000put",
                null,
                new JsonObject()
                    .put("call_id", "c1")
                    .put("raw", new JsonObject().put("k\u0000", "v")))
            .storable();
    assertThat(e.content()).isEqualTo("said \\u0000");
    assertThat(e.toolOutput()).isEqualTo("out\\u0000put");
    assertThat(e.toolInput().getString("command")).isEqualTo("echo \\ud800");
    assertThat(e.source()).isEqualTo("runtime");
    assertThat(e.payload().getString("call_id")).isEqualTo("c1");
    assertThat(e.payload().getJsonObject("raw").getString("k\\u0000")).isEqualTo("v");
    assertThat(e.payload().getJsonArray("escaped").getList())
        .containsExactly("content", "tool_output", "tool_input", "payload.raw");
    assertThat(e.storable()).isSameAs(e);
  }

  @Test
  void namesAlreadyInThePayloadAreKept() {
    NewEvent e =
        NewEvent.of(EventType.WEBHOOK_RECEIVED, "webhook", "view")
            .withPayload(
                new JsonObject()
                    .put("escaped", new JsonArray().add("content"))
                    .put("headers", new JsonObject().put("user-agent", "x\u0000")))
            .storable();
    assertThat(e.payload().getJsonArray("escaped").getList())
        .containsExactly("content", "payload.headers");
  }
}
