package org.openpincery.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP port that was free a moment ago, for servers that must be told their port up front. The
 * kernel may hand a just-closed port out again, so a port is never returned twice in one JVM: the
 * processes a test starts each get ports of their own.
 */
public final class FreePort {

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePort() {}

  /** A port the kernel handed out for 127.0.0.1, closed again, and new to this JVM. */
  public static int pick() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      try (ServerSocket socket = new ServerSocket(0)) {
        socket.setReuseAddress(true);
        int port = socket.getLocalPort();
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port", e);
      }
    }
    throw new IllegalStateException("no port new to this JVM after 1000 tries");
  }
}
