package org.openpincery.wake;

import java.util.Optional;
import org.openpincery.notify.Channel;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.vault.Vault;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.wake.sandbox.SandboxConfig;
import org.openpincery.work.WorkerProcess;

/** The wake worker as its own process. Needs {@code DATABASE_URL}, migrated by {@code migrate}. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    WorkerProcess.run(
        "wake-worker",
        java.util.Set.of(Channel.WAKE),
        (env, vertx, store) -> {
          ReasonerConfig reasoner = ReasonerConfig.from(env);
          WakeWorkerConfig config = WakeWorkerConfig.from(env);
          Sandbox sandbox = Sandbox.probe(SandboxConfig.from(env));
          Optional<Vault> vault = Vault.fromEnv(env);
          return new WakeWorkerVerticle(
              store,
              ChatClient.create(vertx, reasoner),
              reasoner,
              config,
              sandbox,
              vault,
              new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        });
  }
}
