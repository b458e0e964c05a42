package org.openpincery.gateway;

import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A request id on every response ({@code X-Request-Id}) and in every log line about the request. A
 * caller's own id is kept when it is short and plain, so ids can be followed across proxies.
 */
final class RequestIds {

  static final String HEADER = "X-Request-Id";
  private static final String KEY = "request_id";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RequestIds() {}

  static void assign(RoutingContext ctx) {
    // The server's edge (HttpEdges) has usually chosen it already.
    String id = ctx.response().headers().get(HEADER);
    if (id == null) {
      String given = ctx.request().getHeader(HEADER);
      id = given != null && SAFE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
  }

  static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
