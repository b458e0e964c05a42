package org.openpincery.config;

/**
 * Chooses the log format before the first logger exists: {@code LOG_FORMAT=text} (default) for
 * people, {@code LOG_FORMAT=json} for one JSON object per line with the key-value pairs (request
 * id, agent id, …) as fields.
 */
public final class Logging {

  public static final String LOG_FORMAT = "LOG_FORMAT";
  private static final String PROPERTY = "logback.configurationFile";

  private Logging() {}

  /** Call first thing in a {@code Main}. An explicit {@code -Dlogback.configurationFile} wins. */
  public static void configure(Env env) {
    String format = env.string(LOG_FORMAT, "text").toLowerCase(java.util.Locale.ROOT);
    String file =
        switch (format) {
          case "text" -> "pincery-logback.xml";
          case "json" -> "pincery-logback-json.xml";
          default ->
              throw new ConfigException(LOG_FORMAT, "must be text or json, got '" + format + "'");
        };
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, file);
    }
  }
}
