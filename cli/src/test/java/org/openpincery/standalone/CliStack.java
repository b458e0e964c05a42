package org.openpincery.standalone;

import java.util.HashMap;
import java.util.Map;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.vault.Vault;

/**
 * The whole standalone stack (gateway, webhooks, wake and maintenance workers, scheduler) in the
 * test JVM on a fresh database, for the CLI's tests. In this package because {@link Standalone} is
 * package-private: the CLI module depends on the stack only in test scope.
 */
public final class CliStack implements AutoCloseable {

  public static final String BOOTSTRAP_TOKEN = "cli-test-bootstrap-token-0123456789";

  private final Standalone app;
  private final int port;
  private final DatabaseUrl database;

  private CliStack(Standalone app, int port, DatabaseUrl database) {
    this.app = app;
    this.port = port;
    this.database = database;
  }

  /**
   * @param modelBaseUrl an OpenAI-compatible model (the scripted one), or null for the built-in
   *     offline model
   */
  public static CliStack start(String modelBaseUrl) {
    return start(modelBaseUrl, TestPostgres.freshDatabase());
  }

  /** The same with {@code extra} settings added or overriding (e.g. {@code TOOL_CAPABILITIES}). */
  public static CliStack start(String modelBaseUrl, Map<String, String> extra) {
    return start(modelBaseUrl, TestPostgres.freshDatabase(), extra);
  }

  /** The same on a given database (such as one reached through a proxy a test cuts). */
  public static CliStack start(String modelBaseUrl, DatabaseUrl database) {
    return start(modelBaseUrl, database, Map.of());
  }

  private static CliStack start(
      String modelBaseUrl, DatabaseUrl database, Map<String, String> extra) {
    int port = FreePort.pick();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(database));
    env.put("OPEN_PINCERY_HOST", "127.0.0.1");
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP_TOKEN);
    env.put(Vault.KEY_SETTING, Vault.newKey());
    env.put("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "1000000");
    env.put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "1000000");
    // Streams notice a vanished client (a cut connection) within a second.
    env.put("OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "1");
    env.put("WAKE_POLL_MILLIS", "200");
    env.put("MAINTENANCE_POLL_MILLIS", "200");
    if (modelBaseUrl != null) {
      env.put("LLM_API_BASE_URL", modelBaseUrl);
      env.put("LLM_API_KEY", "cli-test-key");
      env.put("LLM_MODEL", "scripted-model");
    }
    env.putAll(extra);
    return new CliStack(Standalone.start(StandaloneConfig.from(Env.of(env))), port, database);
  }

  /** The stack's database, for tests that look at or age rows (a session's expiry). */
  public DatabaseUrl database() {
    return database;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    app.stop();
  }
}
