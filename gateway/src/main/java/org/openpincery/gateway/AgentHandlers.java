package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openpincery.model.NewEvent;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.SemanticStop;
import org.openpincery.model.StorableText;
import org.openpincery.store.AgentRepository.AgentPatch;
import org.openpincery.store.AgentRepository.WriteResult;
import org.openpincery.store.AppendBatcher;
import org.openpincery.store.AppendResult;
import org.openpincery.store.EventRepository;
import org.openpincery.store.IdempotencyRepository;

/** Agents (create, list, show, update, delete, rotate the webhook secret) and messages to them. */
final class AgentHandlers {

  static final int MAX_MESSAGE_CHARS = 100_000;
  static final String PERMISSION_MODE = "permission_mode";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}");
  private static final int MIN_SUPPLIED_SECRET = 16;

  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final AppendBatcher messages;

  /**
   * @param messages appends messages in batches (shared by every request, so that concurrent
   *     messages share a commit)
   */
  AgentHandlers(AppendBatcher messages, GatewayConfig config, GatewayMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.messages = messages;
  }

  /**
   * POST /api/agents {name, budget_limit_usd?, permission_mode?}: 201 with the webhook secret,
   * shown this once — or, under an {@code Idempotency-Key} already used for the same name, budget
   * and mode, the first response again (its secret too, unless rotated since). Without a mode the
   * agent gets {@code DEFAULT_PERMISSION_MODE}.
   */
  void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("name", "budget_limit_usd", PERMISSION_MODE), true);
    String name = name(Bodies.requiredString(body, "name", 64, false));
    var budget =
        Bodies.budget(body, "budget_limit_usd").orElse(Optional.of(config.defaultBudgetUsd()));
    PermissionMode mode =
        Bodies.permissionMode(body, PERMISSION_MODE).orElse(config.defaultPermissionMode());
    Optional<String> key = IdempotencyKeys.of(ctx);
    var principal = Authenticator.principal(ctx);
    AuditTrail.detail(
        ctx,
        new JsonObject()
            .put("name", name)
            .put("budget_limit_usd", budget.map(BigDecimal::toPlainString).orElse(null))
            .put(PERMISSION_MODE, mode.wire()));
    String secret = Tokens.newToken();
    IdempotencyKeys.answer(
        ctx,
        Scopes.of(ctx)
            .idempotency()
            .createOnce(
                IdempotencyKeys.scope(ctx, "POST /api/agents"),
                key,
                IdempotencyKeys.fingerprint(
                    name, budget.map(BigDecimal::toPlainString).orElse(null), mode.wire()),
                client ->
                    Scopes.of(ctx)
                        .agents()
                        .create(
                            client,
                            principal.workspaceId(),
                            name,
                            principal.userId(),
                            secret,
                            budget.orElse(null),
                            mode)
                        .compose(
                            result ->
                                switch (result) {
                                  case WriteResult.Written w ->
                                      Future.succeededFuture(
                                          new IdempotencyRepository.Response(
                                              201,
                                              Responses.agent(w.agent())
                                                  .put("webhook_url", webhookUrl(w.agent().id()))
                                                  .put("webhook_secret", secret),
                                              Optional.of(w.agent().id())));
                                  case WriteResult.NameTaken t ->
                                      Future.failedFuture(nameTaken(name));
                                  case WriteResult.NotFound n ->
                                      Future.failedFuture(ApiError.notFound("no such workspace"));
                                })));
  }

  /** GET /api/agents?include_deleted=true|false (default false). */
  void list(RoutingContext ctx) {
    boolean includeDeleted = booleanParam(ctx, "include_deleted");
    Scopes.of(ctx)
        .agents()
        .list(Authenticator.principal(ctx).workspaceId(), includeDeleted)
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(a -> array.add(Responses.agent(a)));
              Responses.json(ctx, 200, new JsonObject().put("agents", array));
            })
        .onFailure(ctx::fail);
  }

  /**
   * GET /api/agents/:id, with the latest identity, work list and wake summary, and the URL to send
   * its webhooks to. A deleted agent is shown too ({@code deleted: true}).
   */
  void show(RoutingContext ctx) {
    UUID id = agentId(ctx);
    Scopes.of(ctx)
        .agents()
        .get(Authenticator.principal(ctx).workspaceId(), id)
        .compose(
            agent -> {
              if (agent.isEmpty()) {
                return Future.failedFuture(noSuchAgent());
              }
              return Scopes.of(ctx)
                  .agents()
                  .latestProjection(id)
                  .map(
                      projection -> {
                        JsonObject json = Responses.agent(agent.get());
                        json.put("webhook_url", webhookUrl(id));
                        json.put("identity", projection.map(p -> p.identity()).orElse(null));
                        json.put("work_list", projection.map(p -> p.workList()).orElse(null));
                        json.put("wake_summary", projection.map(p -> p.summary()).orElse(null));
                        json.put("projection_version", projection.map(p -> p.version()).orElse(0));
                        return json;
                      });
            })
        .onSuccess(json -> Responses.json(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  /**
   * PATCH /api/agents/:id {name?, is_enabled?, budget_limit_usd?, permission_mode?}. Enabling a
   * stopped agent resumes it as a "carry on" would; disabling one makes it the operator's disable.
   */
  void update(RoutingContext ctx) {
    UUID id = agentId(ctx);
    JsonObject body =
        Bodies.object(ctx, Set.of("name", "is_enabled", "budget_limit_usd", PERMISSION_MODE), true);
    AgentPatch patch =
        new AgentPatch(
            Bodies.string(body, "name", 64, false).map(AgentHandlers::name),
            Bodies.bool(body, "is_enabled"),
            Bodies.budget(body, "budget_limit_usd"),
            Bodies.permissionMode(body, PERMISSION_MODE));
    if (body.containsKey("name") && patch.name().isEmpty()) {
      throw ApiError.badRequest("'name' must be a string");
    }
    auditPatch(ctx, patch);
    Scopes.of(ctx)
        .agents()
        .update(Authenticator.principal(ctx).workspaceId(), id, patch)
        .onSuccess(
            result -> {
              switch (result) {
                case WriteResult.Written w -> Responses.json(ctx, 200, Responses.agent(w.agent()));
                case WriteResult.NameTaken t -> ctx.fail(nameTaken(patch.name().orElse("")));
                case WriteResult.NotFound n -> failMissing(ctx, id);
              }
            })
        .onFailure(ctx::fail);
  }

  // The audit entry of a PATCH names the fields it set; one that sets the budget is a budget
  // change (agent.budget_set), which team mode reserves for admins (as it does the mode).
  private static void auditPatch(RoutingContext ctx, AgentPatch patch) {
    JsonObject detail = new JsonObject();
    patch.name().ifPresent(n -> detail.put("name", n));
    patch.enabled().ifPresent(e -> detail.put("is_enabled", e));
    patch.permissionMode().ifPresent(m -> detail.put(PERMISSION_MODE, m.wire()));
    if (patch.budget().isPresent()) {
      detail.put(
          "budget_limit_usd", patch.budget().get().map(BigDecimal::toPlainString).orElse(null));
      AuditTrail.rename(ctx, "agent.budget_set");
    }
    AuditTrail.detail(ctx, detail);
  }

  /**
   * DELETE /api/agents/:id: soft delete (disabled, reason "deleted"; timers cancelled, schedules
   * ended); the log is kept and stays readable. Deleting it again is {@code 409 agent_deleted}.
   */
  void delete(RoutingContext ctx) {
    UUID id = agentId(ctx);
    Scopes.of(ctx)
        .agents()
        .delete(Authenticator.principal(ctx).workspaceId(), id)
        .onSuccess(
            deleted -> {
              if (deleted) {
                Responses.noContent(ctx);
              } else {
                failMissing(ctx, id);
              }
            })
        .onFailure(ctx::fail);
  }

  /** POST /api/agents/:id/webhook/rotate {webhook_secret?}. */
  void rotateWebhookSecret(RoutingContext ctx) {
    UUID id = agentId(ctx);
    JsonObject body = Bodies.object(ctx, Set.of("webhook_secret"), false);
    Optional<String> supplied = Bodies.string(body, "webhook_secret", 512, false);
    if (supplied.isPresent()
        && (StorableText.codePoints(supplied.get()) < MIN_SUPPLIED_SECRET
            || supplied.get().isBlank())) {
      throw ApiError.badRequest(
          "'webhook_secret' must be at least " + MIN_SUPPLIED_SECRET + " characters");
    }
    String secret = supplied.orElseGet(Tokens::newToken);
    Scopes.of(ctx)
        .agents()
        .rotateWebhookSecret(
            Authenticator.principal(ctx).workspaceId(), id, secret, config.webhookGrace())
        .onSuccess(
            expires -> {
              if (expires.isEmpty()) {
                failMissing(ctx, id);
                return;
              }
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("webhook_secret", secret)
                      .put("previous_secret_valid_until", expires.get().toString())
                      .put("grace_seconds", config.webhookGrace().toSeconds()));
            })
        .onFailure(ctx::fail);
  }

  /**
   * POST /api/agents/:id/messages {content}: 202 once the message is a durable event. A message
   * that says only "stop" or "carry on" ({@link SemanticStop}) carries payload {@code control}.
   */
  void message(RoutingContext ctx) {
    UUID id = agentId(ctx);
    JsonObject body = Bodies.object(ctx, Set.of("content"), true);
    String content = Bodies.requiredString(body, "content", MAX_MESSAGE_CHARS, true);
    if (content.isBlank()) {
      throw ApiError.badRequest("'content' must not be blank");
    }
    var principal = Authenticator.principal(ctx);
    NewEvent event = personMessage(principal.userId(), content);
    Optional<String> key = IdempotencyKeys.of(ctx);
    if (key.isPresent()) {
      messageOnce(ctx, principal.workspaceId(), id, key.get(), content, event);
      return;
    }
    messages
        .appendInWorkspace(principal.workspaceId(), id, event)
        .onSuccess(
            result -> {
              switch (result) {
                case AppendResult.Appended a -> {
                  metrics.messageAccepted();
                  accepted(ctx, a.eventId(), a.seq());
                }
                case AppendResult.AgentNotFound n -> failMissing(ctx, id);
                case AppendResult.LeaseLost l -> ctx.fail(noSuchAgent());
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * A person's message as this API records it (REST and the MCP tool {@code send_message} alike):
   * {@code message_received} from {@code person}, with the sender's user id, and {@code control}
   * when it says only "stop" or "carry on" ({@link SemanticStop}).
   */
  static NewEvent personMessage(UUID userId, String content) {
    JsonObject payload = new JsonObject().put("user_id", userId.toString());
    // "stop" / "carry on": the V18 trigger events_semantic_stop stops or resumes the agent in the
    // transaction that records the message.
    SemanticStop.of(content).ifPresent(control -> payload.put("control", control.wire()));
    return NewEvent.messageReceived("person", content).withPayload(payload);
  }

  // A retried request with the same key gets the first answer (and Idempotent-Replayed: true);
  // the key with another body is refused. Not group-committed: the key row orders the retries.
  private void messageOnce(
      RoutingContext ctx, UUID workspaceId, UUID id, String key, String content, NewEvent event) {
    Scopes.of(ctx)
        .events()
        .appendMessageOnce(workspaceId, id, key, IdempotencyKeys.fingerprint(content), event)
        .onSuccess(
            result -> {
              switch (result) {
                case EventRepository.OnceResult.Appended a -> {
                  metrics.messageAccepted();
                  accepted(ctx, a.eventId(), a.seq());
                }
                case EventRepository.OnceResult.Replayed r -> {
                  ctx.response().putHeader("Idempotent-Replayed", "true");
                  accepted(ctx, r.eventId(), r.seq());
                }
                case EventRepository.OnceResult.KeyReused k -> ctx.fail(IdempotencyKeys.reused());
                case EventRepository.OnceResult.AgentNotFound n -> ctx.fail(noSuchAgent());
              }
            })
        .onFailure(ctx::fail);
  }

  private static void accepted(RoutingContext ctx, UUID eventId, long seq) {
    Responses.json(ctx, 202, new JsonObject().put("event_id", eventId.toString()).put("seq", seq));
  }

  static UUID agentId(RoutingContext ctx) {
    return Bodies.pathId(ctx, "id", "agent");
  }

  static ApiError noSuchAgent() {
    return ApiError.notFound("no such agent");
  }

  /** Every write to a deleted agent: it keeps its history but takes no new input or change. */
  static ApiError agentDeleted() {
    return ApiError.conflict(
        "agent_deleted", "this agent was deleted: its history stays readable, it takes no input");
  }

  /**
   * After a write found no live agent: {@code 409 agent_deleted} when it is a deleted agent of the
   * caller's workspace, else {@code 404 not_found}.
   */
  static void failMissing(RoutingContext ctx, UUID id) {
    missing(ctx, id).onFailure(ctx::fail);
  }

  /** A write on an agent found no live agent of the workspace; nothing was written. */
  static final class NoLiveAgent extends RuntimeException {
    NoLiveAgent() {
      super(null, null, false, false);
    }
  }

  /**
   * {@code write} as it is, unless it failed with {@link NoLiveAgent}: then {@code 409
   * agent_deleted} for a deleted agent, else 404.
   */
  static <T> Future<T> orMissing(RoutingContext ctx, UUID id, Future<T> write) {
    return write.recover(
        err -> err instanceof NoLiveAgent ? missing(ctx, id) : Future.failedFuture(err));
  }

  /** Always failed: {@code 409 agent_deleted} for a deleted agent, else 404. */
  static <T> Future<T> missing(RoutingContext ctx, UUID id) {
    return Scopes.of(ctx)
        .agents()
        .get(Authenticator.principal(ctx).workspaceId(), id)
        .compose(
            a ->
                Future.failedFuture(
                    a.isPresent() && a.get().deleted() ? agentDeleted() : noSuchAgent()));
  }

  private String webhookUrl(UUID id) {
    return config.link("/api/agents/" + id + "/webhooks");
  }

  private static boolean booleanParam(RoutingContext ctx, String name) {
    String raw = ctx.request().getParam(name);
    if (raw == null || raw.equals("false")) {
      return false;
    }
    if (raw.equals("true")) {
      return true;
    }
    throw ApiError.badRequest("'" + name + "' must be true or false");
  }

  private static String name(String name) {
    if (!NAME.matcher(name).matches()) {
      throw ApiError.badRequest(
          "'name' must be 1-64 characters: letters, digits, space, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }

  private static ApiError nameTaken(String name) {
    return ApiError.conflict(
        "name_taken", "an agent named '" + name + "' already exists in this workspace");
  }
}
