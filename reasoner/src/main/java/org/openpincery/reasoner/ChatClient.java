package org.openpincery.reasoner;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** A model behind the chat-completions shape. */
public interface ChatClient {

  /**
   * One call, retried as the implementation's policy says; never fails the future for a model
   * error.
   */
  Future<CallOutcome> complete(ChatRequest request);

  /** A label for logs and {@code /ready}: the provider URL, or the offline model. */
  String describe();

  /** The offline model when no key is configured, else the OpenAI-compatible client. */
  static ChatClient create(Vertx vertx, ReasonerConfig config) {
    return config.offline() ? new OfflineChatClient() : new OpenAiChatClient(vertx, config);
  }
}
