package org.openpincery.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.openpincery.db.DatabaseUrl;

/**
 * Typed, validated reads of environment settings. Only a {@code Main} builds one from {@link
 * System#getenv()}; everything else receives config records.
 */
public final class Env {

  private final Map<String, String> vars;
  // Every setting asked for, set or not: what a tier reads (deployment files are checked against
  // it).
  private final Set<String> asked = ConcurrentHashMap.newKeySet();

  private Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  /** The names of every setting read so far, whether or not it was set. */
  public Set<String> namesRead() {
    return Set.copyOf(asked);
  }

  public static Env of(Map<String, String> vars) {
    return new Env(vars);
  }

  /** The value, or empty when unset or blank. */
  public Optional<String> string(String name) {
    asked.add(name);
    String value = vars.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  public String string(String name, String fallback) {
    return string(name).orElse(fallback);
  }

  public int integer(String name, int fallback, int min, int max) {
    Optional<String> raw = string(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(
          name, "must be a whole number from " + min + " to " + max + ", got '" + raw.get() + "'");
    }
  }

  /** A duration given in whole seconds. */
  public Duration seconds(String name, Duration fallback, long minSeconds, long maxSeconds) {
    Optional<String> raw = string(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw.get());
      if (value < minSeconds || value > maxSeconds) {
        throw new NumberFormatException();
      }
      return Duration.ofSeconds(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(
          name,
          "must be a number of seconds from "
              + minSeconds
              + " to "
              + maxSeconds
              + ", got '"
              + raw.get()
              + "'");
    }
  }

  /** A PostgreSQL URL, when set. The message never repeats the value (it may hold a password). */
  public Optional<DatabaseUrl> databaseUrl(String name) {
    return string(name)
        .map(
            raw -> {
              try {
                return DatabaseUrl.parse(raw);
              } catch (IllegalArgumentException e) {
                throw new ConfigException(
                    name,
                    "is not a PostgreSQL URL ("
                        + e.getMessage()
                        + "); expected postgres://user:password@host:5432/database");
              }
            });
  }

  /** {@code DATABASE_URL}, which a tier run as its own process cannot do without. */
  public DatabaseUrl requiredDatabaseUrl() {
    return databaseUrl("DATABASE_URL")
        .orElseThrow(
            () ->
                new ConfigException(
                    "DATABASE_URL",
                    "is required (for everything in one process, run ./pincery up)"));
  }
}
