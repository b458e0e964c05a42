package org.openpincery.standalone;

import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;

/**
 * Runs every tier in one JVM with an embedded PostgreSQL (or {@code DATABASE_URL}).
 *
 * <p>Exit codes: 78 a setting is wrong (the line on stderr names it), 1 any other start-up failure.
 * SIGTERM stops everything, PostgreSQL included.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    try {
      Env env = Env.of(System.getenv());
      Logging.configure(env);
      StandaloneConfig config = StandaloneConfig.from(env);
      Standalone app = Standalone.start(config);
      Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "pincery-shutdown"));
    } catch (ConfigException e) {
      System.err.println("open-pincery: " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (RuntimeException e) {
      System.err.println("open-pincery: start-up failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
