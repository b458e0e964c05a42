package org.openpincery.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Text that PostgreSQL can store as is, and a lossless escape for text that it cannot.
 *
 * <p>PostgreSQL refuses U+0000 in {@code text} and <code>&#92;u0000</code> in {@code jsonb} strings
 * and keys ("unsupported Unicode escape sequence"), and refuses text that is not valid UTF-8, which
 * is what an unpaired UTF-16 surrogate in a Java {@code String} becomes. Every other code point is
 * storable. The product refuses such text from operators (a 400 naming the field) and keeps it,
 * escaped, from webhooks, tools and models; docs/api.md ("Text the product cannot store as is")
 * states the policy per path.
 *
 * <p>The escape: {@code \} becomes {@code \\}, U+0000 becomes <code>&#92;u0000</code> and an
 * unpaired surrogate <code>&#92;uXXXX</code> (four lower-case hex digits). It is applied to a whole
 * field (or a whole JSON value, every string and key in it), never to part of one, so {@link
 * #unescape} gives the original back exactly; the record that holds the field says it was escaped.
 *
 * <p>Lengths of text from outside are counted in code points ({@link #codePoints}): a limit of
 * 1,000 characters takes 1,000 emoji, as OpenAPI's {@code maxLength} means.
 */
public final class StorableText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private StorableText() {}

  /**
   * The UTF-16 index of the first char PostgreSQL cannot store (U+0000 or an unpaired surrogate),
   * or -1 when there is none.
   */
  public static int firstUnstorable(CharSequence s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return i;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** True when PostgreSQL can store {@code s} in a text column (null is storable). */
  public static boolean isStorable(String s) {
    return s == null || firstUnstorable(s) < 0;
  }

  /**
   * What makes {@code s} unstorable, for an error message: {@code "U+0000"} or {@code "an unpaired
   * surrogate (U+D800)"}; empty when it is storable.
   */
  public static Optional<String> problem(String s) {
    int i = s == null ? -1 : firstUnstorable(s);
    if (i < 0) {
      return Optional.empty();
    }
    char c = s.charAt(i);
    return Optional.of(
        c == 0
            ? "U+0000"
            : "an unpaired surrogate (U+"
                + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
                + ")");
  }

  /**
   * True when every string and every key in a JSON value (a {@link JsonObject}, {@link JsonArray},
   * {@link String}, map, list or scalar) is storable.
   */
  public static boolean isStorable(Object json) {
    return switch (json) {
      case null -> true;
      case String s -> isStorable(s);
      case JsonObject o -> isStorable(o.getMap());
      case JsonArray a -> isStorable(a.getList());
      case Map<?, ?> m -> {
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!isStorable(String.valueOf(e.getKey())) || !isStorable(e.getValue())) {
            yield false;
          }
        }
        yield true;
      }
      case Iterable<?> list -> {
        for (Object item : list) {
          if (!isStorable(item)) {
            yield false;
          }
        }
        yield true;
      }
      default -> true;
    };
  }

  /** {@code s} escaped (see the class comment); storable whatever it held. Null stays null. */
  public static String escape(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == 0) {
        out.append("\\u0000");
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append("\\u")
            .append(HEX[(c >> 12) & 0xf])
            .append(HEX[(c >> 8) & 0xf])
            .append(HEX[(c >> 4) & 0xf])
            .append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * The text {@link #escape} was given. {@code \\} and <code>&#92;uXXXX</code> are undone; any
   * other backslash is kept as it is.
   */
  public static String unescape(String s) {
    if (s == null || s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < n && s.charAt(i + 1) == '\\') {
        out.append('\\');
        i++;
      } else if (c == '\\' && i + 1 < n && s.charAt(i + 1) == 'u' && hex4(s, i + 2) >= 0) {
        out.append((char) hex4(s, i + 2));
        i += 5;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static int hex4(String s, int from) {
    if (from + 4 > s.length()) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < from + 4; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  /**
   * A copy of a JSON value with every string and every key {@link #escape escaped}; numbers,
   * booleans and null are kept. Maps and lists come back as {@link JsonObject} and {@link
   * JsonArray}.
   */
  public static Object escapeJson(Object json) {
    return switch (json) {
      case null -> null;
      case String s -> escape(s);
      case JsonObject o -> escapeJson(o.getMap());
      case JsonArray a -> escapeJson(a.getList());
      case Map<?, ?> m -> {
        JsonObject out = new JsonObject();
        m.forEach((k, v) -> out.put(escape(String.valueOf(k)), escapeJson(v)));
        yield out;
      }
      case Iterable<?> list -> {
        JsonArray out = new JsonArray();
        list.forEach(item -> out.add(escapeJson(item)));
        yield out;
      }
      default -> json;
    };
  }

  /**
   * The number of characters (Unicode code points) in {@code s}: what every length limit on text
   * from outside counts. An unpaired surrogate counts as one.
   */
  public static int codePoints(String s) {
    return s.codePointCount(0, s.length());
  }

  /** True when {@code s} has more than {@code max} code points; cheap when it is short. */
  public static boolean longerThan(String s, int max) {
    return s.length() > max && codePoints(s) > max;
  }

  /**
   * {@code s} cut to at most {@code max} code points, never splitting a surrogate pair (cutting
   * with {@code substring} can leave half of one, which is unstorable).
   */
  public static String truncate(String s, int max) {
    if (s == null || !longerThan(s, max)) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, max));
  }

  /** The bytes as text when they are well-formed UTF-8, else empty. */
  public static Optional<String> decodeUtf8(byte[] bytes) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /**
   * A storable, readable view of bytes that were meant as UTF-8 text: well-formed text {@link
   * #escape escaped}, and each byte that is not part of well-formed UTF-8 as {@code \xNN}. A view,
   * not a record: whoever keeps it keeps the bytes too.
   */
  public static String escapedView(byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer chunk = CharBuffer.allocate(Math.max(16, Math.min(bytes.length, 8192)));
    StringBuilder text = new StringBuilder(bytes.length + 16);
    while (true) {
      CoderResult r = decoder.decode(in, chunk, true);
      chunk.flip();
      text.append(escape(chunk.toString()));
      chunk.clear();
      if (r.isError()) {
        for (int k = 0; k < r.length(); k++) {
          int b = in.get() & 0xff;
          text.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
        }
      } else if (r.isUnderflow()) {
        break;
      }
    }
    return text.toString();
  }
}
