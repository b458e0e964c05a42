package org.openpincery.maintenance;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * The maintenance model's answer, {@code {identity, work_list, summary}}, read tolerantly: code
 * fences and text around the object are ignored, a work list given as an array of strings is joined
 * into lines, a long summary is shortened. Anything else is not an answer.
 */
record ProjectionAnswer(String identity, String workList, String summary) {

  static Optional<ProjectionAnswer> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    int start = text.indexOf('{');
    int end = text.lastIndexOf('}');
    if (start < 0 || end <= start) {
      return Optional.empty();
    }
    JsonObject json;
    try {
      json = new JsonObject(text.substring(start, end + 1));
    } catch (DecodeException e) {
      return Optional.empty();
    }
    String identity = text(json.getValue("identity"));
    String workList = text(json.getValue("work_list"));
    String summary = text(json.getValue("summary"));
    if (identity == null || identity.isBlank() || workList == null || summary == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ProjectionAnswer(
            identity.strip(),
            workList.strip(),
            shorten(summary.strip(), MaintenanceWorkerConfig.SUMMARY_MAX_CHARS)));
  }

  private static String text(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof JsonArray items) {
      StringBuilder lines = new StringBuilder();
      for (Object item : items) {
        if (!(item instanceof String s)) {
          return null;
        }
        lines.append(lines.isEmpty() ? "" : "\n").append("- ").append(s);
      }
      return lines.toString();
    }
    return null;
  }

  /** At most {@code max} characters, never splitting a surrogate pair. */
  static String shorten(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int keep = max - 1;
    if (Character.isHighSurrogate(s.charAt(keep - 1))) {
      keep--;
    }
    return s.substring(0, keep) + "…";
  }
}
