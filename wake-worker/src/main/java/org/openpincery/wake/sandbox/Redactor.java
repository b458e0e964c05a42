package org.openpincery.wake.sandbox;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces every live secret of a workspace — as it is, in base64 (standard and URL-safe, with and
 * without padding) and URL-encoded — by {@code [REDACTED:<name>]}, longest forms first, before any
 * tool output is stored or shown to the model.
 */
public final class Redactor {

  private record Form(String text, String name) {}

  private final List<Form> forms;

  /**
   * @param secrets name → value
   */
  public Redactor(Map<String, String> secrets) {
    List<Form> all = new ArrayList<>();
    secrets.forEach(
        (name, value) -> {
          if (value == null || value.isEmpty()) {
            return;
          }
          for (String form : forms(value)) {
            all.add(new Form(form, name));
          }
        });
    all.sort(Comparator.comparingInt((Form f) -> f.text().length()).reversed());
    this.forms = List.copyOf(all);
  }

  private static Set<String> forms(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    Set<String> forms = new LinkedHashSet<>();
    forms.add(value);
    String b64 = Base64.getEncoder().encodeToString(bytes);
    forms.add(b64);
    forms.add(b64.replaceAll("=+$", ""));
    String url = Base64.getUrlEncoder().encodeToString(bytes);
    forms.add(url);
    forms.add(url.replaceAll("=+$", ""));
    forms.add(URLEncoder.encode(value, StandardCharsets.UTF_8));
    forms.add(URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
    return forms;
  }

  public String redact(String text) {
    if (text == null || forms.isEmpty()) {
      return text;
    }
    String out = text;
    for (Form f : forms) {
      out = out.replace(f.text(), "[REDACTED:" + f.name() + "]");
    }
    return out;
  }

  /** Whether there is nothing to redact (the workspace has no live secret). */
  public boolean isEmpty() {
    return forms.isEmpty();
  }

  /** A copy of {@code json} with every string in it (keys too) redacted; null stays null. */
  public JsonObject redact(JsonObject json) {
    if (json == null || forms.isEmpty()) {
      return json;
    }
    return (JsonObject) redactValue(json);
  }

  private Object redactValue(Object value) {
    return switch (value) {
      case String text -> redact(text);
      case JsonObject object -> {
        JsonObject out = new JsonObject();
        object.forEach(e -> out.put(redact(e.getKey()), redactValue(e.getValue())));
        yield out;
      }
      case JsonArray array -> {
        JsonArray out = new JsonArray();
        array.forEach(v -> out.add(redactValue(v)));
        yield out;
      }
      case null -> null;
      default -> value;
    };
  }
}
