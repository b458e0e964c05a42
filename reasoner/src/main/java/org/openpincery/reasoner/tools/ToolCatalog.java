package org.openpincery.reasoner.tools;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.ToolSpec;
import org.openpincery.store.MemoryQuery;

/**
 * The tools an agent may call, each with the JSON Schema (2020-12) its arguments must meet. A call
 * is validated before anything runs; an invalid one is answered with the reasons, so the model can
 * correct itself.
 */
public final class ToolCatalog {

  /** The outcome of checking one call. */
  public sealed interface Validation {
    record Valid(String tool, JsonObject arguments) implements Validation {}

    record Invalid(String tool, String reason) implements Validation {}
  }

  private record Entry(ToolSpec spec, Validator validator) {}

  /** The longest {@code search_memory} query, in characters (as the store's). */
  public static final int MEMORY_QUERY_MAX = MemoryQuery.MAX_TEXT_CHARS;

  /** The longest text {@code remember} keeps, in characters. */
  public static final int REMEMBER_TEXT_MAX = 4_000;

  /**
   * The event types in the memory index (V21's trigger, docs/memory.md): what {@code
   * search_memory}'s {@code types} may name.
   */
  public static final List<String> MEMORY_TYPES = MemoryQuery.INDEXED_TYPES;

  private final Map<String, Entry> tools = new LinkedHashMap<>();

  private ToolCatalog(List<ToolSpec> specs) {
    for (ToolSpec spec : specs) {
      tools.put(spec.name(), new Entry(spec, validator(spec)));
    }
  }

  private ToolCatalog(Map<String, Entry> entries) {
    tools.putAll(entries);
  }

  private static Validator validator(ToolSpec spec) {
    // The validator annotates the schema it is given (an "__absolute_uri__" in every subschema):
    // it gets a copy, so the model is offered the schema as written, not a third larger.
    return Validator.create(
        JsonSchema.of(spec.parameters().copy()),
        new JsonSchemaOptions()
            .setDraft(Draft.DRAFT202012)
            .setBaseUri("https://openpincery.org/tools/" + spec.name())
            .setOutputFormat(OutputFormat.Basic));
  }

  /**
   * This catalogue and {@code more} (one wake's remote MCP tools, docs/mcp.md), validated the same
   * way. A tool whose name is already in the catalogue, or whose schema the validator cannot read,
   * is left out (and named in the returned list of skipped names).
   */
  public ToolCatalog plus(List<ToolSpec> more, List<String> skipped) {
    Map<String, Entry> all = new LinkedHashMap<>(tools);
    for (ToolSpec spec : more) {
      if (all.containsKey(spec.name())) {
        skipped.add(spec.name());
        continue;
      }
      try {
        all.put(spec.name(), new Entry(spec, validator(spec)));
      } catch (RuntimeException e) {
        skipped.add(spec.name());
      }
    }
    return new ToolCatalog(all);
  }

  /** Whether the catalogue offers {@code name}. */
  public boolean has(String name) {
    return tools.containsKey(name);
  }

  /** The standard tools of a wake (the shell comes with the sandbox). */
  public static ToolCatalog standard() {
    return new ToolCatalog(
        List.of(
            tool(
                "sleep",
                "End this wake: you are done until something new arrives.",
                new JsonObject()),
            tool(
                "send_message",
                "Send a message to another agent of your workspace, by name or id. It wakes them.",
                new JsonObject().put("to", string(1, 200)).put("content", string(1, 100_000)),
                "to",
                "content"),
            exactlyOneOf(
                tool(
                    "set_timer",
                    "Wake yourself later: give in_seconds or an RFC 3339 time 'at', and a note you will see then.",
                    new JsonObject()
                        .put(
                            "in_seconds",
                            new JsonObject()
                                .put("type", "integer")
                                .put("minimum", 1)
                                .put("maximum", 31_536_000))
                        .put(
                            "at", new JsonObject().put("type", "string").put("format", "date-time"))
                        .put("note", string(0, 1_000))),
                "in_seconds",
                "at"),
            tool(
                "cancel_timer",
                "Cancel one of your timers by id.",
                new JsonObject()
                    .put("id", new JsonObject().put("type", "string").put("format", "uuid")),
                "id"),
            tool("list_timers", "List your pending timers.", new JsonObject()),
            tool(
                "shell",
                "Run a command with /bin/sh in your own work directory (/work, kept between wakes),"
                    + " sandboxed: no network, limited time, CPU, memory and output. Give secrets"
                    + " only as env values 'PLACEHOLDER:<credential name>' (see list_credentials).",
                new JsonObject()
                    .put("command", string(1, 20_000))
                    .put(
                        "env",
                        new JsonObject()
                            .put("type", "object")
                            .put("maxProperties", 32)
                            .put(
                                "propertyNames",
                                new JsonObject().put("pattern", "^[A-Za-z_][A-Za-z0-9_]{0,63}$"))
                            .put("additionalProperties", string(0, 4096))),
                "command"),
            tool(
                "list_credentials",
                "List the names of the credentials you may use (never their values).",
                new JsonObject()),
            tool(
                "search_memory",
                "Search all you have lived through (messages, webhooks, timers, tool results, what"
                    + " you said, wake summaries, what you chose to remember) by words and meaning."
                    + " Returns up to limit (default 10) hits, best first: seq, event_type,"
                    + " created_at, snippet. Optional: events since a time, of some types.",
                new JsonObject()
                    .put("query", string(1, MEMORY_QUERY_MAX))
                    .put("since", new JsonObject().put("type", "string").put("format", "date-time"))
                    .put(
                        "types",
                        new JsonObject()
                            .put("type", "array")
                            .put("minItems", 1)
                            .put("uniqueItems", true)
                            .put(
                                "items", new JsonObject().put("enum", new JsonArray(MEMORY_TYPES))))
                    .put(
                        "limit",
                        new JsonObject()
                            .put("type", "integer")
                            .put("minimum", 1)
                            .put("maximum", MemoryQuery.MAX_LIMIT)),
                "query"),
            tool(
                "remember",
                "Keep a short fact for later wakes: search_memory finds it, and it is recalled"
                    + " when relevant.",
                new JsonObject()
                    .put("text", string(1, REMEMBER_TEXT_MAX))
                    .put(
                        "tags",
                        new JsonObject()
                            .put("type", "array")
                            .put("maxItems", 16)
                            .put("items", string(1, 64))),
                "text")));
  }

  /** The tools as offered to the model. */
  public List<ToolSpec> specs() {
    return tools.values().stream().map(Entry::spec).toList();
  }

  public Validation validate(ToolCall call) {
    Entry entry = tools.get(call.name());
    if (entry == null) {
      return new Validation.Invalid(
          call.name(),
          "unknown tool '" + call.name() + "'; the tools are " + String.join(", ", tools.keySet()));
    }
    Object arguments;
    try {
      String raw = call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments();
      arguments = io.vertx.core.json.Json.decodeValue(raw);
    } catch (DecodeException e) {
      return new Validation.Invalid(call.name(), "the arguments are not valid JSON");
    }
    if (!(arguments instanceof JsonObject object)) {
      return new Validation.Invalid(call.name(), "the arguments must be a JSON object");
    }
    OutputUnit result = entry.validator().validate(object);
    if (Boolean.TRUE.equals(result.getValid())) {
      return new Validation.Valid(call.name(), object);
    }
    List<String> reasons = new ArrayList<>();
    if (result.getErrors() != null) {
      for (OutputUnit error : result.getErrors()) {
        String location =
            error.getInstanceLocation() == null
                ? ""
                : error.getInstanceLocation().replaceFirst("^#/?", "");
        String where = location.isEmpty() ? "arguments" : location;
        reasons.add(where + ": " + error.getError());
      }
    }
    if (reasons.isEmpty()) {
      reasons.add(
          result.getError() == null
              ? "the arguments do not match the tool's schema"
              : result.getError());
    }
    return new Validation.Invalid(call.name(), String.join("; ", reasons));
  }

  private static ToolSpec tool(
      String name, String description, JsonObject properties, String... required) {
    JsonObject schema =
        new JsonObject()
            .put("type", "object")
            .put("properties", properties)
            .put("additionalProperties", false)
            .put("required", new JsonArray(List.of((Object[]) required)));
    return new ToolSpec(name, description, schema);
  }

  /** Exactly one of two optional properties must be given. */
  private static ToolSpec exactlyOneOf(ToolSpec spec, String a, String b) {
    JsonArray alternatives = new JsonArray().add(requiredWithout(a, b)).add(requiredWithout(b, a));
    return new ToolSpec(
        spec.name(), spec.description(), spec.parameters().copy().put("oneOf", alternatives));
  }

  private static JsonObject requiredWithout(String present, String absent) {
    return new JsonObject()
        .put("required", new JsonArray().add(present))
        .put("not", new JsonObject().put("required", new JsonArray().add(absent)));
  }

  private static JsonObject string(int min, int max) {
    return new JsonObject().put("type", "string").put("minLength", min).put("maxLength", max);
  }
}
