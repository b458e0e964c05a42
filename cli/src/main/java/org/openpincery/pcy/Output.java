package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes results: JSON (what the API answered, pretty) or aligned tables and key/value blocks for a
 * person, with ANSI colours only on a terminal and without NO_COLOR / --no-color.
 */
final class Output {

  private final PrintStream out;
  private final boolean json;
  private final boolean color;

  Output(PrintStream out, boolean json, boolean color) {
    this.out = out;
    this.json = json;
    this.color = color;
  }

  boolean json() {
    return json;
  }

  void json(JsonNode node) {
    out.println(Json.pretty(node));
  }

  /** One JSON object on one line (a followed event stream: NDJSON). */
  void jsonLine(JsonNode node) {
    out.println(Json.compact(node));
  }

  void line(String text) {
    out.println(text);
  }

  void table(List<String> headers, List<List<String>> rows) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
    }
    for (List<String> row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], cell(row, i).length());
      }
    }
    out.println(bold(format(headers, widths)));
    for (List<String> row : rows) {
      out.println(format(row, widths));
    }
  }

  /** Key/value lines, keys aligned. */
  void fields(List<String[]> pairs) {
    int width = 0;
    for (String[] p : pairs) {
      width = Math.max(width, p[0].length());
    }
    for (String[] p : pairs) {
      String value = p[1] == null ? "" : p[1];
      String pad = " ".repeat(width - p[0].length());
      out.println(bold(p[0] + ":") + pad + " " + value.replace("\n", "\n" + " ".repeat(width + 2)));
    }
  }

  static List<String[]> pairs(String... keyValues) {
    List<String[]> list = new ArrayList<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      list.add(new String[] {keyValues[i], keyValues[i + 1]});
    }
    return list;
  }

  String bold(String s) {
    return color ? "\u001b[1m" + s + "\u001b[0m" : s;
  }

  String dim(String s) {
    return color ? "\u001b[2m" + s + "\u001b[0m" : s;
  }

  String green(String s) {
    return color ? "\u001b[32m" + s + "\u001b[0m" : s;
  }

  String red(String s) {
    return color ? "\u001b[31m" + s + "\u001b[0m" : s;
  }

  String yellow(String s) {
    return color ? "\u001b[33m" + s + "\u001b[0m" : s;
  }

  String cyan(String s) {
    return color ? "\u001b[36m" + s + "\u001b[0m" : s;
  }

  private static String cell(List<String> row, int i) {
    String v = i < row.size() ? row.get(i) : "";
    return v == null ? "" : v;
  }

  private static String format(List<String> row, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      String v = cell(row, i);
      line.append(v);
      if (i < widths.length - 1) {
        line.append(" ".repeat(widths[i] - v.length() + 2));
      }
    }
    return line.toString().stripTrailing();
  }
}
