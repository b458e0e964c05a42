package org.openpincery.testkit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The one test double: an OpenAI-compatible chat-completions server over real HTTP that a test
 * programs turn by turn. Each request to {@code POST /v1/chat/completions} (or {@code
 * /chat/completions}) takes the next scripted {@link Turn}; with none left it answers 500 so a
 * missing script fails loudly. Every request body is kept for assertions.
 */
public final class ScriptedModelServer implements AutoCloseable {

  /** One scripted answer. */
  public sealed interface Turn {}

  /** A text answer with a finish reason and usage. */
  public record Text(String content, String finishReason, int promptTokens, int completionTokens)
      implements Turn {}

  /** Tool calls: each {name, arguments-as-JSON-text}. */
  public record ToolCalls(List<String[]> calls, int promptTokens, int completionTokens)
      implements Turn {}

  /** Any status with a raw body and optional Retry-After. */
  public record Status(int status, String body, String retryAfter) implements Turn {}

  /**
   * The shapes in which OpenAI-compatible servers answer, beside OpenAI's own. Each is applied to
   * the standard answer of a {@link Text} or {@link ToolCalls} turn (see {@link Shaped}).
   */
  public enum Shape {
    /** OpenAI's exact shape. */
    OPENAI,
    /** No {@code usage} at all (llama.cpp's server and vLLM in some versions, many proxies). */
    NO_USAGE,
    /** {@code "usage": null} (LiteLLM and proxies passing on a backend that sent none). */
    NULL_USAGE,
    /** {@code prompt_tokens: null}, the completion and the total given. */
    PARTIAL_USAGE,
    /** Only {@code total_tokens}. */
    TOTAL_ONLY_USAGE,
    /** Zeros everywhere (Ollama with a cached prompt, in some versions). */
    ZERO_USAGE,
    /** Tool-call {@code arguments} as a JSON object instead of a string (Ollama-style). */
    OBJECT_ARGUMENTS,
    /** Tool-call {@code arguments: null}. */
    NULL_ARGUMENTS,
    /** {@code content} as a list of text parts. */
    CONTENT_PARTS,
    /** Tool calls without an {@code id} (llama.cpp, Ollama in some versions). */
    NO_TOOL_CALL_IDS,
    /** No {@code finish_reason}. */
    NO_FINISH_REASON,
    /** {@code finish_reason: "stop"} beside tool calls (Ollama). */
    STOP_WITH_TOOL_CALLS,
    /** A {@code reasoning_content} field beside the answer (vLLM, llama.cpp, DeepSeek-style). */
    REASONING_CONTENT;

    JsonObject apply(JsonObject standard) {
      JsonObject body = standard.copy();
      JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
      JsonObject message = choice.getJsonObject("message");
      JsonArray calls = message.getJsonArray("tool_calls", new JsonArray());
      JsonObject usage = body.getJsonObject("usage");
      switch (this) {
        case OPENAI -> {}
        case NO_USAGE -> body.remove("usage");
        case NULL_USAGE -> body.putNull("usage");
        case PARTIAL_USAGE -> usage.putNull("prompt_tokens");
        case TOTAL_ONLY_USAGE ->
            body.put("usage", new JsonObject().put("total_tokens", usage.getValue("total_tokens")));
        case ZERO_USAGE ->
            body.put(
                "usage",
                new JsonObject()
                    .put("prompt_tokens", 0)
                    .put("completion_tokens", 0)
                    .put("total_tokens", 0));
        case OBJECT_ARGUMENTS ->
            calls.forEach(
                c -> {
                  JsonObject fn = ((JsonObject) c).getJsonObject("function");
                  fn.put("arguments", new JsonObject(fn.getString("arguments")));
                });
        case NULL_ARGUMENTS ->
            calls.forEach(c -> ((JsonObject) c).getJsonObject("function").putNull("arguments"));
        case CONTENT_PARTS -> {
          String text = message.getString("content");
          if (text != null) {
            int half = text.length() / 2;
            message.put(
                "content",
                new JsonArray()
                    .add(new JsonObject().put("type", "text").put("text", text.substring(0, half)))
                    .add(new JsonObject().put("type", "text").put("text", text.substring(half))));
          }
        }
        case NO_TOOL_CALL_IDS -> calls.forEach(c -> ((JsonObject) c).remove("id"));
        case NO_FINISH_REASON -> choice.remove("finish_reason");
        case STOP_WITH_TOOL_CALLS -> {
          if (!calls.isEmpty()) {
            choice.put("finish_reason", "stop");
          }
        }
        case REASONING_CONTENT ->
            message.put("reasoning_content", "Let me think about what was asked of me here.");
      }
      return body;
    }
  }

  /** A {@link Text} or {@link ToolCalls} turn answered in a provider's shape. */
  public record Shaped(Shape shape, Turn turn) implements Turn {}

  /** Delays the next turn's answer by this many milliseconds (for timeouts). */
  public record Slow(long delayMillis, Turn then) implements Turn {}

  /**
   * Answers with {@code then} only once {@code gate} completes: a test acts while the model
   * "thinks" and decides exactly when the answer leaves.
   */
  public record Gated(java.util.concurrent.CompletableFuture<?> gate, Turn then) implements Turn {}

  /** 200 with a body that is not JSON. */
  public record Malformed(String body) implements Turn {}

  /**
   * A model that repeats its system prompt (as a successful injection would make it) and asks for a
   * tool at the same time.
   */
  public record EchoSystem(String toolName) implements Turn {}

  private final Vertx vertx;
  private final HttpServer server;

  // A turn with the text a request must contain to get it (null: any request).
  private record Entry(String mustContain, Turn turn) {}

  private final ConcurrentLinkedQueue<Entry> script = new ConcurrentLinkedQueue<>();
  private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  private final BlockingQueue<JsonObject> arrivals = new LinkedBlockingQueue<>();

  private ScriptedModelServer(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  /** Starts on a free loopback port. */
  public static ScriptedModelServer start() {
    ScriptedModelServer s = new ScriptedModelServer(Vertx.vertx());
    s.server.listen(0, "127.0.0.1").await();
    return s;
  }

  /** The base URL a client is configured with (like https://api.openai.com/v1). */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  public ScriptedModelServer then(Turn turn) {
    script.add(new Entry(null, turn));
    return this;
  }

  /**
   * A turn only for a request whose body contains {@code mustContain}, for tests where several
   * agents call at once. Each request gets the first queued turn that is unrouted or routed to it.
   */
  public ScriptedModelServer then(String mustContain, Turn turn) {
    script.add(new Entry(mustContain, turn));
    return this;
  }

  private volatile java.util.function.Function<JsonObject, Turn> responder;
  private volatile boolean recording = true;

  /** Stops keeping request bodies (a long run would keep them all in memory). */
  public ScriptedModelServer withoutRecording() {
    recording = false;
    return this;
  }

  /**
   * Answers every request the script has no turn for by calling {@code responder} with the request
   * body: a model that never runs out (for benchmarks and long runs).
   */
  public ScriptedModelServer otherwise(java.util.function.Function<JsonObject, Turn> responder) {
    this.responder = responder;
    return this;
  }

  private synchronized Turn next(String body, JsonObject request) {
    for (Entry e : script) {
      if (e.mustContain() == null || body.contains(e.mustContain())) {
        script.remove(e);
        return e.turn();
      }
    }
    var fallback = responder;
    return fallback == null ? null : fallback.apply(request);
  }

  public ScriptedModelServer thenText(String content) {
    return then(new Text(content, "stop", 100, 20));
  }

  /** Every request body received so far, in order. */
  public List<JsonObject> requests() {
    return List.copyOf(requests);
  }

  /** Waits for the next request to arrive (for tests that act mid-call). */
  public JsonObject awaitRequest(long timeoutMillis) throws InterruptedException {
    return arrivals.poll(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              JsonObject json;
              try {
                json = body.toJsonObject();
              } catch (RuntimeException e) {
                json = new JsonObject().put("unparseable", body.toString());
              }
              json.put("_authorization", req.getHeader("Authorization"));
              if (recording) {
                requests.add(json);
                arrivals.add(json);
              }
              Turn turn = next(body.toString(), json);
              if (turn instanceof EchoSystem echo) {
                turn = echo(json, echo.toolName());
              }
              answer(
                  req,
                  turn == null
                      ? new Status(500, "{\"error\":{\"message\":\"no scripted turn left\"}}", null)
                      : turn);
            });
  }

  private static Turn echo(JsonObject request, String toolName) {
    String system =
        request.getJsonArray("messages", new JsonArray()).stream()
            .map(JsonObject.class::cast)
            .filter(m -> "system".equals(m.getString("role")))
            .map(m -> m.getString("content"))
            .findFirst()
            .orElse("");
    return new ToolCalls(
        List.<String[]>of(new String[] {toolName, new JsonObject().put("note", system).encode()}),
        100,
        20);
  }

  private void answer(HttpServerRequest req, Turn turn) {
    switch (turn) {
      case EchoSystem e -> throw new IllegalStateException("resolved before answering");
      case Slow s -> vertx.setTimer(Math.max(1, s.delayMillis()), t -> answer(req, s.then()));
      case Gated g ->
          g.gate().whenComplete((v, err) -> vertx.runOnContext(x -> answer(req, g.then())));
      case Status s -> {
        var resp =
            req.response().setStatusCode(s.status()).putHeader("content-type", "application/json");
        if (s.retryAfter() != null) {
          resp.putHeader("Retry-After", s.retryAfter());
        }
        resp.end(s.body() == null ? "" : s.body());
      }
      case Malformed m ->
          req.response().putHeader("content-type", "application/json").end(m.body());
      case Text t -> send(req, completion(t));
      case ToolCalls c -> send(req, completion(c));
      case Shaped s -> send(req, s.shape().apply(completion(s.turn())));
    }
  }

  /** The standard (OpenAI-shaped) answer of a text or tool-calls turn. */
  private static JsonObject completion(Turn turn) {
    return switch (turn) {
      case Text t ->
          completion(
              new JsonObject().put("role", "assistant").put("content", t.content()),
              t.finishReason(),
              t.promptTokens(),
              t.completionTokens());
      case ToolCalls c -> {
        JsonArray calls = new JsonArray();
        int i = 0;
        for (String[] call : c.calls()) {
          calls.add(
              new JsonObject()
                  .put("id", "call_" + (i++))
                  .put("type", "function")
                  .put(
                      "function", new JsonObject().put("name", call[0]).put("arguments", call[1])));
        }
        yield completion(
            new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", calls),
            "tool_calls",
            c.promptTokens(),
            c.completionTokens());
      }
      default -> throw new IllegalArgumentException("only text and tool calls have a shape");
    };
  }

  private static JsonObject completion(
      JsonObject message, String finish, int prompt, int completion) {
    return new JsonObject()
        .put("id", "chatcmpl-scripted")
        .put("object", "chat.completion")
        .put(
            "choices",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("index", 0)
                        .put("message", message)
                        .put("finish_reason", finish)))
        .put(
            "usage",
            new JsonObject()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion));
  }

  private static void send(HttpServerRequest req, JsonObject body) {
    req.response().putHeader("content-type", "application/json").end(body.encode());
  }

  @Override
  public void close() {
    server.close().await();
    vertx.close().await();
  }
}
