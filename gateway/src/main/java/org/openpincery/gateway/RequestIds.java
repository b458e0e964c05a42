package org.openpincery.gateway;

import io.vertx.ext.web.RoutingContext;
import org.openpincery.http.HttpEdges;

/**
 * A request id on every response ({@code X-Request-Id}) and in every log line about the request. A
 * caller's own id is kept when it is short and plain, so ids can be followed across proxies. The
 * server's edge ({@link HttpEdges}) chooses it before routing; this makes it the log's too.
 */
final class RequestIds {

  static final String HEADER = HttpEdges.REQUEST_ID;
  private static final String KEY = "request_id";

  private RequestIds() {}

  static void assign(RoutingContext ctx) {
    String id = ctx.response().headers().get(HEADER);
    if (id == null) { // a router served without the edge (tests that mount it bare)
      id = HttpEdges.requestId(ctx.request());
      ctx.response().putHeader(HEADER, id);
    }
    ctx.put(KEY, id);
  }

  static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
