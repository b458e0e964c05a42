package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy notify add|list|rm|enable|disable|test|deliveries|retry}: outbound notifications,
 * signed per Standard Webhooks, to URLs subscribed to kinds (approval.requested, wake.failed,
 * budget.exhausted, agent.stopped, chain.broken). Subscriptions are for admins; the deliveries for
 * operators.
 */
@Command(
    name = "notify",
    description = {
      "Outbound notifications (signed webhooks) to URLs you subscribe.",
      "  pcy notify add https://hooks.example.com/pincery --kinds approval.requested,wake.failed",
      "  pcy notify deliveries --status failed"
    },
    subcommands = {
      NotifyCommand.Add.class,
      NotifyCommand.ListSubscriptions.class,
      NotifyCommand.Remove.class,
      NotifyCommand.Enable.class,
      NotifyCommand.Disable.class,
      NotifyCommand.Test.class,
      NotifyCommand.Deliveries.class,
      NotifyCommand.Retry.class
    })
final class NotifyCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage(
        "notify needs a command: add, list, rm, enable, disable, test, deliveries, retry");
  }

  private static String path(String id) {
    return "/api/notifications/subscriptions/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  @Command(
      name = "add",
      description = {
        "Subscribe a URL (https; http only to a loopback address). Prints the signing secret",
        "once: give it to the receiver, which verifies each request with it."
      })
  static final class Add extends Base {
    @Parameters(paramLabel = "URL")
    String url;

    @Option(
        names = "--kinds",
        required = true,
        split = ",",
        paramLabel = "KIND",
        description =
            "Comma-separated: approval.requested, wake.failed, budget.exhausted, agent.stopped,"
                + " chain.broken.")
    List<String> kinds;

    @Option(names = "--description", paramLabel = "TEXT", description = "What it is for.")
    String description;

    @Override
    void run() {
      var body = Json.object().put("url", url);
      ArrayNode array = body.putArray("kinds");
      kinds.forEach(array::add);
      if (description != null) {
        body.put("description", description);
      }
      JsonNode r = session().post("/api/notifications/subscriptions", body);
      if (out().json()) {
        out().json(r);
        return;
      }
      out().line("subscription " + Json.text(r, "id") + " added");
      out().line("signing secret (shown once): " + Json.text(r, "secret"));
    }
  }

  @Command(name = "list", description = "The workspace's subscriptions (never their secrets).")
  static final class ListSubscriptions extends Base {
    @Override
    void run() {
      JsonNode r = session().get("/api/notifications/subscriptions");
      if (out().json()) {
        out().json(r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : r.path("subscriptions")) {
        List<String> kinds = new ArrayList<>();
        s.path("kinds").forEach(k -> kinds.add(k.asText()));
        rows.add(
            List.of(
                Json.text(s, "id"),
                s.path("enabled").asBoolean() ? "yes" : "no",
                String.join(",", kinds),
                Json.text(s, "url")));
      }
      out().table(List.of("ID", "ENABLED", "KINDS", "URL"), rows);
    }
  }

  @Command(name = "rm", description = "Delete a subscription with its deliveries.")
  static final class Remove extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    void run() {
      session().delete(path(id));
      if (out().json()) {
        out().json(Json.object().put("id", id).put("deleted", true));
      } else {
        out().line("subscription " + id + " deleted");
      }
    }
  }

  abstract static class Toggle extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    abstract boolean enabled();

    @Override
    void run() {
      JsonNode r = session().patch(path(id), Json.object().put("enabled", enabled()));
      if (out().json()) {
        out().json(r);
      } else {
        out().line("subscription " + id + (enabled() ? " enabled" : " disabled"));
      }
    }
  }

  @Command(name = "enable", description = "Deliver to it again (queued notifications first).")
  static final class Enable extends Toggle {
    @Override
    boolean enabled() {
      return true;
    }
  }

  @Command(name = "disable", description = "Queue nothing new for it and pause its deliveries.")
  static final class Disable extends Toggle {
    @Override
    boolean enabled() {
      return false;
    }
  }

  @Command(name = "test", description = "Send a notification.test to one subscription.")
  static final class Test extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    void run() {
      JsonNode r = session().post(path(id) + "/test", Json.object());
      if (out().json()) {
        out().json(r);
      } else {
        out().line("test notification queued: delivery " + Json.text(r, "delivery_id"));
      }
    }
  }

  @Command(
      name = "deliveries",
      description = "Recent deliveries, newest first, with how each attempt went (operator).")
  static final class Deliveries extends Base {
    @Option(names = "--subscription", paramLabel = "ID", description = "Only this subscription's.")
    String subscription;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "Only pending, delivered or failed ones.")
    String status;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "50",
        description = "At most N (1-200).")
    int limit;

    @Override
    void run() {
      StringBuilder query = new StringBuilder("?limit=").append(limit);
      if (subscription != null) {
        query
            .append("&subscription_id=")
            .append(URLEncoder.encode(subscription, StandardCharsets.UTF_8));
      }
      if (status != null) {
        query.append("&status=").append(URLEncoder.encode(status, StandardCharsets.UTF_8));
      }
      JsonNode r = session().get("/api/notifications/deliveries" + query);
      if (out().json()) {
        out().json(r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode d : r.path("deliveries")) {
        JsonNode attempts = d.path("attempts");
        JsonNode last = attempts.size() == 0 ? null : attempts.get(attempts.size() - 1);
        String lastOutcome =
            last == null
                ? ""
                : last.path("http_status").isNumber()
                    ? "HTTP " + last.path("http_status").asInt()
                    : last.path("error").asText("");
        rows.add(
            List.of(
                Json.text(d, "id"),
                Json.text(d, "kind"),
                Json.text(d, "status"),
                Integer.toString(d.path("attempt_count").asInt()),
                lastOutcome,
                Json.text(d, "created_at")));
      }
      out().table(List.of("ID", "KIND", "STATUS", "ATTEMPTS", "LAST", "CREATED"), rows);
    }
  }

  @Command(name = "retry", description = "Queue a failed delivery for one more attempt (operator).")
  static final class Retry extends Base {
    @Parameters(paramLabel = "DELIVERY_ID")
    String id;

    @Override
    void run() {
      JsonNode r =
          session()
              .post(
                  "/api/notifications/deliveries/"
                      + URLEncoder.encode(id, StandardCharsets.UTF_8)
                      + "/retry",
                  Json.object());
      if (out().json()) {
        out().json(r);
      } else {
        out().line("delivery " + id + " queued again");
      }
    }
  }
}
