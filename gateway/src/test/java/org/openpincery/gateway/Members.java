package org.openpincery.gateway;

import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.openpincery.model.Role;

/** Members of the bootstrapped workspace, made through the real invitation flow. */
final class Members {

  private Members() {}

  /** A new member with {@code role}, invited by {@code inviter}; their session token. */
  static String join(GatewayFixture api, String inviter, Role role) {
    var invite =
        api.call(
            "POST",
            "/api/invitations",
            inviter,
            new JsonObject()
                .put("email", role.wire() + "-" + UUID.randomUUID() + "@example.com")
                .put("role", role.wire())
                .encode());
    if (invite.status() != 201) {
      throw new IllegalStateException("invite: " + invite.status() + " " + invite.text());
    }
    var accepted =
        api.call(
            "POST",
            "/api/invitations/accept",
            null,
            new JsonObject().put("token", invite.json().getString("token")).encode());
    if (accepted.status() != 201) {
      throw new IllegalStateException("accept: " + accepted.status() + " " + accepted.text());
    }
    return accepted.json().getString("session_token");
  }
}
