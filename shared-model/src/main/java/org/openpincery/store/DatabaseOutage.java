package org.openpincery.store;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

/**
 * Tells a database that cannot be reached (down, restarting, cut off) from a failing statement, so
 * that callers answer "try again shortly" (HTTP 503 with {@code Retry-After}) instead of blaming
 * themselves with a 500.
 */
public final class DatabaseOutage {

  /** Seconds a client is asked to wait before retrying. */
  public static final int RETRY_AFTER_SECONDS = 5;

  private DatabaseOutage() {}

  /**
   * True when {@code failure} (or a cause of it) says the database is unreachable: a refused or
   * dropped connection, SQLSTATE class 08 (connection exception), 57P01–57P03 (shut down by an
   * administrator, crash, cannot connect now), or 53300 (too many connections).
   *
   * <p>A dropped connection includes one reset under a running statement ({@link SocketException}
   * "Connection reset", which also covers refused connections and unreachable hosts, and the JDK's
   * plain {@link IOException} "Connection reset by peer" or "Broken pipe" on a write): a PostgreSQL
   * restarted under load resets some connections instead of sending them 57P01 first, and the
   * multi-process chaos suite (docs/reliability.md) saw those answered 500; and a statement sent on
   * a connection the server has just closed (the pg client's "Connection is not active now").
   */
  public static boolean is(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SocketException
          || t instanceof UnknownHostException
          || t instanceof ClosedConnectionException
          || t instanceof ClosedChannelException
          || t instanceof io.netty.channel.ConnectTimeoutException
          || resetOnWrite(t)
          || closedUnderUse(t)) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null) {
        String state = pg.getSqlState();
        if (state.startsWith("08")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03")
            || state.equals("53300")) {
          return true;
        }
      }
    }
    return false;
  }

  // The pg client reports a statement sent on a connection the server has just closed (a restart)
  // as a plain VertxException with this message, and no cause.
  private static boolean closedUnderUse(Throwable t) {
    return t.getClass() == io.vertx.core.VertxException.class
        && t.getMessage() != null
        && t.getMessage().startsWith("Connection is not active now");
  }

  // The JDK reports a reset met while writing as a plain IOException (SocketDispatcher.write0).
  private static boolean resetOnWrite(Throwable t) {
    if (t.getClass() != IOException.class || t.getMessage() == null) {
      return false;
    }
    return t.getMessage().contains("Connection reset") || t.getMessage().contains("Broken pipe");
  }
}
