package org.openpincery.maintenance;

import io.vertx.core.AbstractVerticle;

/**
 * The maintenance worker process's two verticles under one deployment: the maintenance passes and
 * the notification deliverer (with the chain checker). Undeploying this undeploys both.
 */
final class MaintenanceTier extends AbstractVerticle {

  private final MaintenanceWorkerVerticle worker;
  private final NotificationDeliveryVerticle notifications;

  MaintenanceTier(MaintenanceWorkerVerticle worker, NotificationDeliveryVerticle notifications) {
    this.worker = worker;
    this.notifications = notifications;
  }

  @Override
  public void start() {
    vertx.deployVerticle(worker, MaintenanceWorkerVerticle.deploymentOptions()).await();
    vertx.deployVerticle(notifications, NotificationDeliveryVerticle.deploymentOptions()).await();
  }

  boolean running() {
    return worker.running() && notifications.running();
  }
}
