package org.openpincery.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where PostgreSQL is, parsed once from a {@code DATABASE_URL}.
 *
 * <p>Accepts {@code postgres://}, {@code postgresql://} and {@code jdbc:postgresql://} URLs with
 * optional user info and query parameters. {@link #toString()} never shows the password.
 */
public record DatabaseUrl(
    String host,
    int port,
    String database,
    String user,
    String password,
    Map<String, String> params) {

  public static final int DEFAULT_PORT = 5432;

  public DatabaseUrl {
    params = Map.copyOf(params);
  }

  public static DatabaseUrl of(
      String host, int port, String database, String user, String password) {
    return new DatabaseUrl(host, port, database, user, password, Map.of());
  }

  /**
   * Parses a URL.
   *
   * @throws IllegalArgumentException with a message fit to show an operator (the password is never
   *     part of it)
   */
  public static DatabaseUrl parse(String raw) {
    if (raw == null || raw.isBlank()) {
      throw new IllegalArgumentException("it is empty");
    }
    String text = raw.strip();
    if (text.startsWith("jdbc:")) {
      text = text.substring("jdbc:".length());
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("it is not a URL");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("postgres") || scheme.equals("postgresql"))) {
      throw new IllegalArgumentException("the scheme must be postgres:// or postgresql://");
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("it names no host");
    }
    int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
    String path = uri.getRawPath();
    if (path == null || path.length() <= 1 || path.substring(1).contains("/")) {
      throw new IllegalArgumentException("it names no database (the path after the host)");
    }
    String database = decode(path.substring(1));
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    Map<String, String> params = new LinkedHashMap<>();
    String query = uri.getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        // libpq spellings that JDBC and Vert.x spell differently
        if (key.equals("user") && user == null) {
          user = value;
        } else if (key.equals("password") && password == null) {
          password = value;
        } else {
          params.put(key, value);
        }
      }
    }
    return new DatabaseUrl(host, port, database, user, password, params);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("it has a malformed %-escape");
    }
  }

  /** The same server, another database on it. */
  public DatabaseUrl withDatabase(String otherDatabase) {
    return new DatabaseUrl(host, port, otherDatabase, user, password, params);
  }

  /** A JDBC URL without credentials (pass user and password separately). */
  public String jdbcUrl() {
    StringBuilder url = new StringBuilder("jdbc:postgresql://");
    url.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append('/');
    url.append(database);
    String sep = "?";
    for (var e : params.entrySet()) {
      url.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = "&";
    }
    return url.toString();
  }

  @Override
  public String toString() {
    return "postgres://"
        + (user == null ? "" : user + (password == null ? "" : ":***") + "@")
        + host
        + ":"
        + port
        + "/"
        + database;
  }
}
