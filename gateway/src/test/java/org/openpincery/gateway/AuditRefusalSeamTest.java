package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openpincery.store.AuditRepository;
import org.openpincery.store.AuditRepository.Filter;
import org.openpincery.store.AuditRepository.Stored;

/**
 * {@link AuditTrail#refused}, the call other routes make for refusals issue 14 wants on record even
 * from anonymous callers (a forged single sign-on state, an unknown invitation token): the entry is
 * written before the error leaves, and nothing else is.
 */
class AuditRefusalSeamTest {

  @Test
  void anExplicitRefusalOfAnAnonymousCallerIsWrittenBeforeItsError() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      AuditTrail audit =
          new AuditTrail(api.store.audit(), new ClientAddress(List.of()), api.metrics);
      Router router = Router.router(api.vertx);
      router
          .route()
          .handler(
              ctx -> {
                RequestIds.assign(ctx);
                ctx.next();
              });
      // A route with an action: its refusal keeps the action.
      router
          .get("/callback")
          .handler(audit.action("session.oidc_login"))
          .handler(
              ctx -> {
                audit.refused(ctx, 400, "oidc_state_forged");
                ctx.fail(new ApiError(400, "invalid_state", "the sign-in state is not ours"));
              });
      // A route without one: authorization.refused.
      router
          .get("/knock")
          .handler(
              ctx -> {
                audit.refused(ctx, 401, "unknown_credential");
                ctx.fail(ApiError.unauthorized("no"));
              });
      // The same route without the explicit call: an anonymous refusal is not written.
      router
          .get("/quiet")
          .handler(audit.action("session.oidc_login"))
          .handler(ctx -> ctx.fail(ApiError.unauthorized("no")));
      router.route().failureHandler(ErrorResponses::handle);
      HttpServer server =
          api.vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
      try {
        var forged = get(api, server, "/callback?state=forged&code=secret-code");
        assertThat(forged.statusCode()).isEqualTo(400);
        List<Stored> after = installation(api);
        assertThat(after).hasSize(1);
        Stored entry = after.get(0);
        assertThat(entry.action()).isEqualTo("session.oidc_login");
        assertThat(entry.actorType()).isEqualTo("anonymous");
        assertThat(entry.outcome()).isEqualTo("refused");
        assertThat(entry.status()).isEqualTo(400);
        assertThat(entry.requestId()).isEqualTo(forged.headers().firstValue("X-Request-Id").get());
        assertThat(entry.detail())
            .isEqualTo(
                new JsonObject().put("reason", "oidc_state_forged").put("error", "invalid_state"));

        var knock = get(api, server, "/knock");
        assertThat(knock.statusCode()).isEqualTo(401);
        Stored refused = installation(api).get(1);
        assertThat(refused.action()).isEqualTo("authorization.refused");
        assertThat(refused.detail().getString("reason")).isEqualTo("unknown_credential");
        assertThat(refused.detail().getString("path")).isEqualTo("/knock");

        assertThat(get(api, server, "/quiet").statusCode()).isEqualTo(401);
        assertThat(installation(api)).hasSize(2);
        assertThat(api.count("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%secret%'"))
            .isZero();
      } finally {
        server.close().await();
      }
    }
  }

  private static List<Stored> installation(GatewayFixture api) {
    return api.store.audit().list(AuditRepository.INSTALLATION, Filter.all(100)).await().entries();
  }

  private static HttpResponse<String> get(GatewayFixture api, HttpServer server, String path)
      throws Exception {
    return api.http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
