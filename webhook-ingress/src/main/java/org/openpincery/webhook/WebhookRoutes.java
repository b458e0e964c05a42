package org.openpincery.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import org.openpincery.store.Store;

/** Mounts {@code POST /api/agents/:id/webhooks} on a router (its own, or the gateway's). */
public final class WebhookRoutes {

  public static final String PATH = "/api/agents/:id/webhooks";

  private WebhookRoutes() {}

  public static void mount(
      Router router,
      Vertx vertx,
      Store store,
      WebhookConfig config,
      MeterRegistry registry,
      Clock clock) {
    WebhookHandler handler = new WebhookHandler(store.webhooks(), config, registry, clock);
    vertx.setPeriodic(60_000, t -> handler.evictIdle());
    // The limit on a route of its own: Vert.x wants a body handler first on its route.
    router.post(PATH).handler(handler::limit);
    router
        .post(PATH)
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(handler::handle);
  }
}
