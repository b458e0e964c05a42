package org.openpincery.reasoner;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a chat-completions answer the way OpenAI-compatible servers really send it (OpenAI,
 * OpenRouter, Ollama, vLLM, llama.cpp's server, LiteLLM), deterministically: the same body always
 * reads the same.
 *
 * <ul>
 *   <li>{@code usage} absent, {@code null} or partial: see {@link ReportedUsage} and {@link
 *       Charge}.
 *   <li>{@code content}: a string, null, or a list of parts ({@code {"type":"text","text":…}} or
 *       plain strings; other parts are skipped), joined. With no text, a {@code refusal} is the
 *       text.
 *   <li>tool-call {@code arguments}: a JSON string as sent; a JSON object or array is encoded as
 *       canonical JSON text (keys sorted); null or blank is {@code {}}.
 *   <li>tool calls without an {@code id} (or with one repeated in the same answer) get {@code
 *       call_<index>}; a legacy {@code function_call} is one tool call.
 *   <li>{@code finish_reason} missing or null: {@code tool_calls} when there are tool calls, else
 *       {@code stop}; {@code eos}, {@code eos_token}, {@code end_turn} and {@code stop_sequence}
 *       are {@code stop}; {@code function_call} is {@code tool_calls}; others are kept, lower-cased
 *       (OpenRouter's {@code error}, {@code length}, {@code content_filter}).
 *   <li>{@code reasoning_content} / {@code reasoning} (vLLM, llama.cpp, DeepSeek-style) is not
 *       answer text, but its size counts towards an estimate.
 * </ul>
 *
 * Anything that is not a chat completion (no choices, a choice without a message, a tool call
 * without a function name, content of another type, an {@code error} object instead of choices) is
 * {@link Malformed}, with a message that says which.
 */
final class CompletionParser {

  /** The body is not a chat completion; the message says why. */
  static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private CompletionParser() {}

  static ChatResponse parse(JsonObject body) {
    if (body == null) {
      throw new Malformed("the body is empty");
    }
    Object choices = body.getValue("choices");
    if (!(choices instanceof JsonArray list) || list.isEmpty()) {
      Object error = body.getValue("error");
      if (error != null) {
        throw new Malformed("it holds an error instead of choices: " + errorText(error));
      }
      throw new Malformed(choices == null ? "it has no 'choices'" : "'choices' is empty");
    }
    JsonObject choice = firstChoice(list);
    if (!(choice.getValue("message") instanceof JsonObject message)) {
      throw new Malformed("its first choice has no 'message' object");
    }
    List<ToolCall> calls = toolCalls(message);
    return new ChatResponse(
        content(message),
        calls,
        finishReason(choice.getValue("finish_reason"), !calls.isEmpty()),
        ReportedUsage.from(body.getValue("usage")),
        body,
        textLength(message.getValue("reasoning_content"))
            + textLength(message.getValue("reasoning")));
  }

  // The choice with index 0 (servers keep the order, but the index is what says it).
  private static JsonObject firstChoice(JsonArray choices) {
    JsonObject first = null;
    for (int i = 0; i < choices.size(); i++) {
      if (choices.getValue(i) instanceof JsonObject c) {
        Object index = c.getValue("index");
        if (index instanceof Number n && n.intValue() == 0) {
          return c;
        }
        if (first == null) {
          first = c;
        }
      }
    }
    if (first == null) {
      throw new Malformed("no choice is an object");
    }
    return first;
  }

  private static String content(JsonObject message) {
    Object value = message.getValue("content");
    String text;
    if (value == null) {
      text = null;
    } else if (value instanceof String s) {
      text = s;
    } else if (value instanceof JsonArray parts) {
      StringBuilder joined = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof String s) {
          joined.append(s);
        } else if (part instanceof JsonObject p) {
          String type = p.getValue("type") instanceof String t ? t : "text";
          if ((type.equals("text") || type.equals("output_text"))
              && p.getValue("text") instanceof String s) {
            joined.append(s);
          } else if (type.equals("refusal") && p.getValue("refusal") instanceof String s) {
            joined.append(s);
          }
        }
      }
      text = joined.toString();
    } else {
      throw new Malformed("'content' is neither text, null nor a list of parts");
    }
    if ((text == null || text.isEmpty())
        && message.getValue("refusal") instanceof String refusal
        && !refusal.isBlank()) {
      return refusal;
    }
    return text;
  }

  private static List<ToolCall> toolCalls(JsonObject message) {
    Object value = message.getValue("tool_calls");
    List<ToolCall> calls = new ArrayList<>();
    if (value == null) {
      if (message.getValue("function_call") instanceof JsonObject legacy) {
        calls.add(toolCall(new JsonObject().put("function", legacy), 0, new HashSet<>()));
      }
      return calls;
    }
    if (!(value instanceof JsonArray list)) {
      throw new Malformed("'tool_calls' is not a list");
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject call)) {
        throw new Malformed("tool call " + i + " is not an object");
      }
      calls.add(toolCall(call, i, ids));
    }
    return calls;
  }

  private static ToolCall toolCall(JsonObject call, int index, Set<String> ids) {
    if (!(call.getValue("function") instanceof JsonObject fn)) {
      throw new Malformed("tool call " + index + " has no 'function' object");
    }
    if (!(fn.getValue("name") instanceof String name) || name.isBlank()) {
      throw new Malformed("tool call " + index + " has no function name");
    }
    String id = call.getValue("id") instanceof String s && !s.isBlank() ? s : null;
    if (id == null || !ids.add(id)) {
      id = "call_" + index;
      for (int n = 2; !ids.add(id); n++) {
        id = "call_" + index + "_" + n;
      }
    }
    return new ToolCall(id, name, arguments(fn.getValue("arguments")));
  }

  private static String arguments(Object value) {
    return switch (value) {
      case null -> "{}";
      case String s -> s.isBlank() ? "{}" : s;
      case JsonObject o -> Json.encode(canonical(o));
      case JsonArray a -> Json.encode(canonical(a));
      default -> Json.encode(value);
    };
  }

  /** The same JSON value with every object's keys in sorted order. */
  static Object canonical(Object value) {
    if (value instanceof JsonObject o) {
      Map<String, Object> sorted = new TreeMap<>();
      o.forEach(e -> sorted.put(e.getKey(), canonical(o.getValue(e.getKey()))));
      return new JsonObject(new java.util.LinkedHashMap<>(sorted));
    }
    if (value instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      for (int i = 0; i < a.size(); i++) {
        out.add(canonical(a.getValue(i)));
      }
      return out;
    }
    return value;
  }

  private static String finishReason(Object value, boolean hasCalls) {
    if (!(value instanceof String s) || s.isBlank()) {
      return hasCalls ? "tool_calls" : "stop";
    }
    String reason = s.strip().toLowerCase(Locale.ROOT);
    return switch (reason) {
      case "eos", "eos_token", "end_turn", "stop_sequence" -> "stop";
      case "function_call" -> "tool_calls";
      default -> reason;
    };
  }

  private static long textLength(Object value) {
    return value instanceof String s ? s.length() : 0;
  }

  private static String errorText(Object error) {
    String text =
        error instanceof JsonObject e && e.getValue("message") instanceof String m
            ? m
            : Json.encode(error);
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}
