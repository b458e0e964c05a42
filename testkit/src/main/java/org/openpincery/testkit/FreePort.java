package org.openpincery.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** A TCP port that was free a moment ago, for servers that must be told their port up front. */
public final class FreePort {

  private FreePort() {}

  /** A port the kernel handed out for 127.0.0.1 and that is closed again. */
  public static int pick() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
