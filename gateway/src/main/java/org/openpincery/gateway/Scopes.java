package org.openpincery.gateway;

import io.vertx.ext.web.RoutingContext;
import org.openpincery.store.Store;

/**
 * The workspace-scoped repositories of an authenticated request ({@link Store#inWorkspace}): every
 * statement they run is confined by PostgreSQL's row-level security to the caller's workspace,
 * whatever its own filter says. Set by the route table once the caller is authorized.
 */
final class Scopes {

  private static final String KEY = "workspace_scope";

  private Scopes() {}

  static void enter(RoutingContext ctx, Store store) {
    ctx.put(KEY, store.inWorkspace(Authenticator.principal(ctx).workspaceId()));
    ctx.next();
  }

  /** The request's scoped repositories; only on routes that need a signed-in caller. */
  static Store.InWorkspaces of(RoutingContext ctx) {
    Store.InWorkspaces scope = ctx.get(KEY);
    if (scope == null) {
      throw new IllegalStateException("no workspace scope: the route is not authenticated");
    }
    return scope;
  }
}
