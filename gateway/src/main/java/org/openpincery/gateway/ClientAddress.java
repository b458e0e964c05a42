package org.openpincery.gateway;

import io.vertx.core.http.HttpServerRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who a request comes from, for per-client limits. {@code X-Forwarded-For} is believed only when
 * the connection comes from a configured trusted proxy, and then the right-most address that is not
 * itself a trusted proxy is the client (left-most entries are whatever the client claimed).
 */
final class ClientAddress {

  private record Cidr(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Cidr> trusted;

  ClientAddress(List<String> trustedProxies) {
    List<Cidr> parsed = new ArrayList<>();
    for (String entry : trustedProxies) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.strip().split("/", 2);
      byte[] network = literal(parts[0]);
      if (network == null) {
        throw new org.openpincery.config.ConfigException(
            "OPEN_PINCERY_TRUSTED_PROXIES", "'" + entry + "' is not an IP address or CIDR");
      }
      int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
      parsed.add(new Cidr(network, prefix));
    }
    this.trusted = List.copyOf(parsed);
  }

  String of(HttpServerRequest request) {
    String peer =
        request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (trusted.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    String forwarded = request.getHeader("X-Forwarded-For");
    if (forwarded == null || forwarded.isBlank()) {
      return peer;
    }
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      if (literal(hop) == null) {
        return peer; // garbage in the header: fall back to what we know
      }
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return peer;
  }

  private boolean isTrusted(String address) {
    byte[] bytes = literal(address);
    return bytes != null && trusted.stream().anyMatch(c -> c.contains(bytes));
  }

  /** The bytes of an IP literal, or null; never a DNS lookup. */
  private static byte[] literal(String s) {
    if (s.isEmpty()
        || !(Character.digit(s.charAt(0), 16) >= 0 || s.charAt(0) == ':' || s.charAt(0) == '[')) {
      return null;
    }
    String bare = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    if (!bare.matches("[0-9A-Fa-f:.]+")) {
      return null;
    }
    try {
      return InetAddress.getByName(bare).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
