package org.openpincery.reasoner;

import io.vertx.core.json.JsonObject;

/** A tool offered to the model, with the JSON Schema of its arguments. */
public record ToolSpec(String name, String description, JsonObject parameters) {

  JsonObject toJson() {
    return new JsonObject()
        .put("type", "function")
        .put(
            "function",
            new JsonObject()
                .put("name", name)
                .put("description", description)
                .put("parameters", parameters));
  }
}
