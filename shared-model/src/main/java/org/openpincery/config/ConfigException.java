package org.openpincery.config;

/**
 * A setting is missing or wrong. The message names the setting and says what to change, in one line
 * fit for an operator; a {@code Main} prints it and exits with {@link #EXIT_CODE}.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** sysexits.h EX_CONFIG. */
  public static final int EXIT_CODE = 78;

  private final String setting;

  public ConfigException(String setting, String problem) {
    super(setting + ": " + problem);
    this.setting = setting;
  }

  public ConfigException(String setting, String problem, Throwable cause) {
    super(setting + ": " + problem, cause);
    this.setting = setting;
  }

  /** The environment variable to change. */
  public String setting() {
    return setting;
  }
}
