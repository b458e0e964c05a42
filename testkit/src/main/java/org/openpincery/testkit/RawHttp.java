package org.openpincery.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, so a test sends exactly the bytes it means (over-long lines,
 * malformed headers) and sees exactly the status line the server writes.
 */
public final class RawHttp {

  /** A response as read off the wire; header names are lower-cased. */
  public record Response(String statusLine, int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private RawHttp() {}

  /**
   * Sends {@code request} (ISO-8859-1 bytes) and reads one response: up to its {@code
   * Content-Length}, or until the server closes the connection.
   */
  public static Response exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before it has read everything we send; read its answer.
      }
      return read(socket.getInputStream());
    }
  }

  /** Reads one response from {@code in}. */
  public static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before a whole response head: " + head);
      }
      head.write(b);
      last4 = (last4 << 8) | b;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).strip());
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = headers.get("content-length");
    if (length != null) {
      byte[] bytes = in.readNBytes(Integer.parseInt(length));
      body.write(bytes);
    } else {
      try {
        in.transferTo(body);
      } catch (SocketTimeoutException e) {
        // keep what arrived
      }
    }
    String[] status = lines[0].split(" ", 3);
    return new Response(
        lines[0], Integer.parseInt(status[1]), headers, body.toString(StandardCharsets.UTF_8));
  }

  /**
   * Opens a connection, sends nothing, and returns how long the server took to close it, in
   * milliseconds (or fails after {@code maxMillis}).
   */
  public static long millisUntilIdleClose(int port, long maxMillis) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout((int) maxMillis);
      long start = System.nanoTime();
      int b = socket.getInputStream().read();
      if (b >= 0) {
        throw new IOException("the server sent data on an idle connection");
      }
      return (System.nanoTime() - start) / 1_000_000;
    }
  }
}
