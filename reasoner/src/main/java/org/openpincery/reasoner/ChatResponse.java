package org.openpincery.reasoner;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** What the model answered. {@code raw} is the provider's whole response body. */
public record ChatResponse(
    String content, List<ToolCall> toolCalls, String finishReason, Usage usage, JsonObject raw) {}
