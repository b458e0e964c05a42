package org.openpincery.wake;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        Set.of(Channel.WAKE),
        (env, vertx, store, registry) -> {
          ReasonerConfig reasoner = ReasonerConfig.from(env);
          WakeWorkerConfig config = WakeWorkerConfig.from(env);
          // The embedding model's files, checked before the worker serves (docs/memory.md).
          config.memory().verifyModel();
          Sandbox sandbox = Sandbox.probe(SandboxConfig.from(env));
          Optional<Vault> vault = Vault.fromEnv(env);
          WakeWorkerVerticle worker =
              new WakeWorkerVerticle(
                  store,
                  ChatClient.create(vertx, reasoner),
                  reasoner,
                  config,
                  sandbox,
                  vault,
                  registry);
          return new WorkerProcess.Tier(
              worker,
              worker::running,
              Map.of(
                  "model",
                  reasoner.offline()
                      ? "offline (LLM_API_KEY is not set; the built-in offline model answers)"
                      : reasoner.model() + " at " + reasoner.baseUrl(),
                  "sandbox",
                  sandbox.profile(),
                  "memory",
                  (config.memory().embeddings() ? "hybrid" : "text only")
                      + ", recall "
                      + config.recall().limit()
                      + " per wake"));
        });
  }
}
