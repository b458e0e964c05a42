package org.openpincery.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openpincery.model.Role;
import org.openpincery.store.AuthRepository.Principal;

/**
 * Who may call one route (issue 14): the least role, a stricter one when the JSON body sets certain
 * fields (a budget needs {@code admin}), a laxer one when the path names the caller themselves
 * (anyone may leave a workspace), and whether an API token may call it at all. The route table in
 * {@link ApiRouter} gives every authenticated route one of these, so the whole policy reads in one
 * place. A refusal is {@code 403 forbidden} naming the role needed.
 */
record Access(
    Role least,
    Map<String, Role> fields,
    String selfParam,
    Role selfLeast,
    boolean refusesApiTokens) {

  static Access least(Role role) {
    return new Access(role, Map.of(), null, null, false);
  }

  /** Setting {@code field} in the body needs {@code role}. */
  Access field(String field, Role role) {
    Map<String, Role> more = new LinkedHashMap<>(fields);
    more.put(field, role);
    return new Access(least, Map.copyOf(more), selfParam, selfLeast, refusesApiTokens);
  }

  /** When path parameter {@code param} is the caller's own user id, {@code role} suffices. */
  Access orSelf(String param, Role role) {
    return new Access(least, fields, param, role, refusesApiTokens);
  }

  /** API tokens may not call it (it acts for a person: tokens, workspaces, logout). */
  Access sessionsOnly() {
    return new Access(least, fields, selfParam, selfLeast, true);
  }

  /** The role this request needs. */
  Role needed(RoutingContext ctx, Principal principal) {
    Role needed = least;
    if (selfParam != null && principal.userId().toString().equals(ctx.pathParam(selfParam))) {
      needed = selfLeast;
    }
    if (!fields.isEmpty()) {
      JsonObject body = bodyOrNull(ctx);
      if (body != null) {
        for (var f : fields.entrySet()) {
          if (body.containsKey(f.getKey()) && f.getValue().compareTo(needed) > 0) {
            needed = f.getValue();
          }
        }
      }
    }
    return needed;
  }

  /** Lets the request on, or fails it with 403. */
  void check(RoutingContext ctx) {
    Principal p = Authenticator.principal(ctx);
    if (refusesApiTokens && p.isApiToken()) {
      ctx.fail(
          new ApiError(
              403, "forbidden", "an API token cannot do this; sign in (pcy login or the web UI)"));
      return;
    }
    Role needed = needed(ctx, p);
    if (!p.role().atLeast(needed)) {
      ctx.fail(
          new ApiError(
              403,
              "forbidden",
              ctx.request().method().name()
                  + " "
                  + ctx.currentRoute().getPath()
                  + " needs role "
                  + needed.wire()
                  + (fields.isEmpty() || needed == least ? "" : " for the fields sent")
                  + "; you are "
                  + p.role().wire()));
      return;
    }
    ctx.next();
  }

  // A malformed body is the handler's to refuse with its own 400; here it simply sets no field.
  private static JsonObject bodyOrNull(RoutingContext ctx) {
    try {
      return ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
