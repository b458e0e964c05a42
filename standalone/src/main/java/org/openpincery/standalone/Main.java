package org.openpincery.standalone;

import java.util.Arrays;
import java.util.List;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;

/**
 * The one entry point of the product's jar (and container image): {@code java -jar open-pincery.jar
 * [tier]}. Without a tier, or with {@code standalone}, every tier runs in one JVM with an embedded
 * PostgreSQL (or {@code DATABASE_URL}); with a tier name, that tier alone runs as its own process
 * against {@code DATABASE_URL} (split deployments), and {@code migrate} applies the schema and
 * exits.
 *
 * <p>Exit codes: 78 a setting is wrong (the line on stderr names it), 64 an unknown tier, 1 any
 * other start-up failure. SIGTERM stops everything, PostgreSQL included.
 */
public final class Main {

  /** The tiers this jar runs, by the name given as the first argument. */
  public static final List<String> TIERS =
      List.of(
          "standalone",
          "migrate",
          "gateway",
          "webhook-ingress",
          "scheduler",
          "wake-worker",
          "maintenance-worker",
          "memory-indexer");

  private Main() {}

  public static void main(String[] args) {
    String tier = args.length == 0 ? "standalone" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (tier) {
      case "standalone" -> standalone();
      case "migrate" -> org.openpincery.db.Migrate.main(rest);
      case "gateway" -> org.openpincery.gateway.Main.main(rest);
      case "webhook-ingress" -> org.openpincery.webhook.Main.main(rest);
      case "scheduler" -> org.openpincery.scheduler.Main.main(rest);
      case "wake-worker" -> org.openpincery.wake.Main.main(rest);
      case "maintenance-worker" -> org.openpincery.maintenance.Main.main(rest);
      case "memory-indexer" -> org.openpincery.memory.indexer.Main.main(rest);
      default -> {
        System.err.println(
            "open-pincery: unknown tier '" + tier + "'; one of: " + String.join(", ", TIERS));
        System.exit(64);
      }
    }
  }

  private static void standalone() {
    try {
      Env env = Env.of(System.getenv());
      Logging.configure(env);
      StandaloneConfig config = StandaloneConfig.from(env);
      Standalone app = Standalone.start(config);
      Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "pincery-shutdown"));
    } catch (ConfigException e) {
      System.err.println("open-pincery: " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (Exception e) {
      System.err.println("open-pincery: start-up failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
