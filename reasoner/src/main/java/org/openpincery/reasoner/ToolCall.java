package org.openpincery.reasoner;

import io.vertx.core.json.JsonObject;

/** A tool call the model asked for; {@code arguments} is the raw JSON text it produced. */
public record ToolCall(String id, String name, String arguments) {

  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", arguments));
  }
}
