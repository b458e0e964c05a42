package org.openpincery.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The claim loop survives what a database restart throws at it: a claim or a piece of work that
 * fails with a checked exception (a refused connection, rethrown as it is by {@code await()}) is
 * logged, and the next kick claims again.
 */
class ClaimLoopTest {

  private final Vertx vertx = Vertx.vertx();
  private final List<Throwable> unhandled = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @RepeatedTest(3)
  void aRefusedConnectionInAClaimOrAPieceNeitherEscapesNorStopsTheLoop() {
    vertx.exceptionHandler(unhandled::add);
    Context context = virtualThreadContext();
    AtomicInteger claims = new AtomicInteger();
    List<String> done = new CopyOnWriteArrayList<>();
    ClaimLoop<String> loop =
        new ClaimLoop<>(
            context,
            2,
            free ->
                switch (claims.incrementAndGet()) {
                  case 1 -> Future.failedFuture(new ConnectException("Connection refused"));
                  case 2 -> Future.succeededFuture(List.of("poison", "fine"));
                  default -> Future.succeededFuture(List.of());
                },
            piece -> {
              if (piece.equals("poison")) {
                Future.failedFuture(new ConnectException("Connection refused")).await();
              }
              done.add(piece);
            });

    loop.kick();
    await().atMost(Duration.ofSeconds(10)).until(() -> claims.get() >= 1);
    loop.kick();
    await().atMost(Duration.ofSeconds(10)).until(() -> done.contains("fine"));
    await().atMost(Duration.ofSeconds(10)).until(() -> loop.active() == 0);

    assertThat(done).containsExactly("fine");
    assertThat(unhandled).as("nothing escaped to the context").isEmpty();
    loop.kick();
    await().atMost(Duration.ofSeconds(10)).until(() -> claims.get() >= 3);
  }

  private Context virtualThreadContext() {
    AtomicReference<Context> holder = new AtomicReference<>();
    vertx
        .deployVerticle(
            new VerticleBase() {
              @Override
              public Future<?> start() {
                holder.set(context);
                return Future.succeededFuture();
              }
            },
            new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD))
        .await();
    return holder.get();
  }
}
