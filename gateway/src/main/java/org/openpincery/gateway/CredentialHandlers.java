package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.openpincery.model.StorableText;
import org.openpincery.store.CredentialRepository.CreateResult;
import org.openpincery.store.IdempotencyRepository;
import org.openpincery.vault.Vault;

/**
 * The workspace's credentials: stored sealed, listed by name, revoked; a value is never returned.
 * Agents use them only by name, as {@code PLACEHOLDER:<name>} in a shell call's environment.
 */
final class CredentialHandlers {

  static final int MAX_VALUE_CHARS = 16_384;
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private final Optional<Vault> vault;

  CredentialHandlers(Optional<Vault> vault) {
    this.vault = vault;
  }

  /**
   * POST /api/credentials {name, value}: 201 with the name; the value is never echoed. Under an
   * {@code Idempotency-Key} already used for this name, the first response again.
   */
  void create(RoutingContext ctx) {
    Vault v = vault();
    JsonObject body = Bodies.object(ctx, Set.of("name", "value"), true);
    String name = name(Bodies.requiredString(body, "name", 64, false));
    if (!(body.getValue("value") instanceof String value) || value.isEmpty()) {
      throw ApiError.badRequest("'value' must be a non-empty string");
    }
    // Sealed, never stored as text; but it becomes an environment variable, which holds no NUL,
    // and its UTF-8 bytes, which hold no unpaired surrogate.
    Bodies.storable("value", value);
    if (StorableText.longerThan(value, MAX_VALUE_CHARS)) {
      throw ApiError.badRequest("'value' is longer than " + MAX_VALUE_CHARS + " characters");
    }
    var workspace = Authenticator.principal(ctx).workspaceId();
    // The fingerprint leaves the value out: nothing derived from a secret is kept outside the
    // vault, so a key replays the first answer for the same name whatever value it carried.
    IdempotencyKeys.answer(
        ctx,
        Scopes.of(ctx)
            .idempotency()
            .createOnce(
                IdempotencyKeys.scope(ctx, "POST /api/credentials"),
                IdempotencyKeys.of(ctx),
                IdempotencyKeys.fingerprint(name),
                client ->
                    Scopes.of(ctx)
                        .credentials()
                        .create(client, workspace, name, v.seal(workspace, name, value))
                        .compose(
                            result ->
                                switch (result) {
                                  case CreateResult.Created c ->
                                      Future.succeededFuture(
                                          new IdempotencyRepository.Response(
                                              201,
                                              new JsonObject()
                                                  .put("name", name)
                                                  .put("created_at", c.createdAt().toString()),
                                              Optional.empty()));
                                  case CreateResult.NameTaken t ->
                                      Future.failedFuture(
                                          ApiError.conflict(
                                              "name_taken",
                                              "a live credential is named '"
                                                  + name
                                                  + "'; revoke it first"));
                                })));
  }

  /** GET /api/credentials: names and dates. */
  void list(RoutingContext ctx) {
    Scopes.of(ctx)
        .credentials()
        .list(Authenticator.principal(ctx).workspaceId())
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(
                  c ->
                      array.add(
                          new JsonObject()
                              .put("name", c.name())
                              .put("created_at", c.createdAt().toString())));
              Responses.json(ctx, 200, new JsonObject().put("credentials", array));
            })
        .onFailure(ctx::fail);
  }

  /** DELETE /api/credentials/:name: 204; shell calls naming it fail from now on. */
  void revoke(RoutingContext ctx) {
    String name = name(ctx.pathParam("name"));
    Scopes.of(ctx)
        .credentials()
        .revoke(Authenticator.principal(ctx).workspaceId(), name)
        .onSuccess(
            revoked -> {
              if (revoked) {
                Responses.noContent(ctx);
              } else {
                ctx.fail(ApiError.notFound("no such credential"));
              }
            })
        .onFailure(ctx::fail);
  }

  private Vault vault() {
    return vault.orElseThrow(
        () ->
            new ApiError(
                503,
                "vault_not_configured",
                "credentials need OPEN_PINCERY_VAULT_KEY (base64 of 32 random bytes) on the server"));
  }

  private static String name(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw ApiError.badRequest(
          "a credential name is 1-64 letters, digits or '_', not starting with a digit");
    }
    return name;
  }
}
