package org.openpincery.gateway;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.openpincery.config.ConfigException;

/**
 * Who a request comes from, for per-client limits. {@code X-Forwarded-For} is believed only when
 * the connection comes from a configured trusted proxy, and then the right-most address that is not
 * itself a trusted proxy is the client (left-most entries are whatever the client claimed).
 *
 * <p>Trusted proxies are IP literals or CIDRs, matched by Netty's {@link IpSubnetFilterRule} (on
 * the classpath through Vert.x, and the code Netty's own IP filter runs on). Entries are parsed
 * with {@link NetUtil}, which accepts literals only, so a host name is refused, never looked up.
 */
final class ClientAddress {

  private final List<IpSubnetFilterRule> trusted;

  ClientAddress(List<String> trustedProxies) {
    this.trusted = parse(trustedProxies);
  }

  /**
   * The rules of {@code OPEN_PINCERY_TRUSTED_PROXIES} entries: {@code address} or {@code
   * address/prefix}, the prefix from 0 to 32 (IPv4) or 128 (IPv6).
   *
   * @throws ConfigException naming the first bad entry
   */
  static List<IpSubnetFilterRule> parse(List<String> entries) {
    List<IpSubnetFilterRule> rules = new ArrayList<>();
    for (String raw : entries) {
      String entry = raw.strip();
      if (entry.isEmpty()) {
        continue;
      }
      String[] parts = entry.split("/", -1);
      InetAddress address =
          parts.length <= 2 ? NetUtil.createInetAddressFromIpAddressString(parts[0]) : null;
      if (address == null) {
        throw bad(entry, "is not an IP address or CIDR");
      }
      int bits = address instanceof Inet4Address ? 32 : 128;
      int prefix = bits;
      if (parts.length == 2) {
        try {
          prefix = parts[1].matches("\\d{1,3}") ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
          throw bad(entry, "has a prefix out of range: use /0 to /" + bits);
        }
      }
      rules.add(new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
    }
    return List.copyOf(rules);
  }

  private static ConfigException bad(String entry, String problem) {
    return new ConfigException(
        GatewayConfig.TRUSTED_PROXIES,
        "'"
            + entry
            + "' "
            + problem
            + " (give IP addresses or CIDRs such as 10.0.0.0/8, fd00::/8)");
  }

  String of(HttpServerRequest request) {
    String peer =
        request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (trusted.isEmpty() || !isTrusted(literal(peer))) {
      return peer;
    }
    String forwarded = request.getHeader("X-Forwarded-For");
    if (forwarded == null || forwarded.isBlank()) {
      return peer;
    }
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      InetAddress address = literal(hop);
      if (address == null) {
        return peer; // garbage in the header: fall back to what we know
      }
      if (!isTrusted(address)) {
        return address.getHostAddress();
      }
    }
    return peer;
  }

  private boolean isTrusted(InetAddress address) {
    if (address == null) {
      return false;
    }
    InetSocketAddress socket = new InetSocketAddress(address, 0);
    for (IpSubnetFilterRule rule : trusted) {
      if (rule.matches(socket)) {
        return true;
      }
    }
    return false;
  }

  /** An IP literal (IPv6 possibly in brackets), or null; never a DNS lookup. */
  private static InetAddress literal(String s) {
    String bare = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    return NetUtil.createInetAddressFromIpAddressString(bare);
  }
}
