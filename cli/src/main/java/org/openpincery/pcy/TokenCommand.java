package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy token create|list|revoke}: API tokens for scripts and CI ({@code pcy_...}), scoped to
 * the workspace and a role no higher than their creator's. A script uses one through {@code
 * PCY_TOKEN} (or {@code OPEN_PINCERY_TOKEN}, {@code --token}) instead of a kept session.
 */
@Command(
    name = "token",
    description = "API tokens for scripts (use one with PCY_TOKEN=pcy_... pcy ...).",
    subcommands = {
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Revoke.class
    })
final class TokenCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage("token needs a command: create, list, revoke");
  }

  /** --expires-in-days N or --no-expiry (neither: the server's default, 90 days). */
  static final class Expiry {
    @Option(
        names = "--expires-in-days",
        paramLabel = "N",
        required = true,
        description = "Days until the token expires (1 to 3650; default 90).")
    Integer days;

    @Option(names = "--no-expiry", required = true, description = "The token never expires.")
    boolean never;
  }

  @Command(
      name = "create",
      description = {
        "Create an API token; the token is printed once.",
        "  PCY_TOKEN=pcy_... pcy agent list    # a script's way in, no session kept"
      })
  static final class Create extends Base {
    @Parameters(paramLabel = "NAME", description = "What the token is for (ci, backup-script).")
    String name;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "owner, admin, operator or viewer; not above yours (default: yours).")
    Role role;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Expiry expiry;

    @Override
    void run() {
      Api api = session();
      ObjectNode body = Json.object().put("name", name);
      if (role != null) {
        body.put("role", role.name());
      }
      if (expiry != null && expiry.never) {
        body.putNull("expires_in_days");
      } else if (expiry != null) {
        body.put("expires_in_days", expiry.days);
      }
      JsonNode r = api.post("/api/tokens", body);
      // On stderr, so that 'pcy token create ci -o json | jq -r .token' stays clean.
      io().err().println("pcy: the token is shown once: keep it now (it is stored hashed)");
      if (out().json()) {
        out().json(r);
        return;
      }
      Output o = out();
      String expires = Json.text(r, "expires_at");
      o.line(
          "created token "
              + o.bold(Json.text(r, "name"))
              + " "
              + Json.text(r, "id")
              + " ("
              + Json.text(r, "role")
              + ", "
              + (expires.isEmpty() ? "never expires" : "expires at " + expires)
              + ")");
      o.fields(
          Output.pairs(
              "token", o.bold(Json.text(r, "token")) + o.dim("  (shown once: keep it now)")));
    }
  }

  @Command(
      name = "list",
      description = "Your tokens (admins: every token of the workspace); never the tokens.")
  static final class ListTokens extends Base {
    @Override
    void run() {
      Api api = session();
      JsonNode r = api.get("/api/tokens");
      if (out().json()) {
        out().json(r);
        return;
      }
      Map<String, String> emails = new Members(api).emails();
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode t : r.path("tokens")) {
        String user = Json.text(t, "user_id");
        String expires = Json.text(t, "expires_at");
        String used = Json.text(t, "last_used_at");
        rows.add(
            List.of(
                Json.text(t, "name"),
                Json.text(t, "role"),
                status(t),
                emails.getOrDefault(user, user),
                Json.text(t, "created_at"),
                expires.isEmpty() ? "never" : expires,
                used.isEmpty() ? "never" : used,
                Json.text(t, "id")));
      }
      out()
          .table(
              List.of(
                  "NAME", "ROLE", "STATUS", "CREATED BY", "CREATED", "EXPIRES", "LAST USED", "ID"),
              rows);
    }

    private static String status(JsonNode t) {
      if (!Json.text(t, "revoked_at").isEmpty()) {
        return "revoked";
      }
      String expires = Json.text(t, "expires_at");
      if (!expires.isEmpty()) {
        try {
          if (java.time.OffsetDateTime.parse(expires)
              .toInstant()
              .isBefore(java.time.Instant.now())) {
            return "expired";
          }
        } catch (java.time.format.DateTimeParseException unparsed) {
          // shown as active; the server decides
        }
      }
      return "active";
    }
  }

  @Command(
      name = "revoke",
      description =
          "Revoke a token (by id, or by name among the live ones): it is refused at once.")
  static final class Revoke extends Base {
    @Parameters(paramLabel = "ID_OR_NAME")
    String token;

    @Override
    void run() {
      Api api = session();
      String id = id(api);
      api.delete("/api/tokens/" + id);
      if (out().json()) {
        out().json(Json.object().put("id", id).put("revoked", true));
      } else {
        out().line("token " + (id.equals(token) ? id : token + " " + id) + " revoked");
      }
    }

    private String id(Api api) {
      if (Agents.UUID_TEXT.matcher(token).matches()) {
        return token.toLowerCase(Locale.ROOT);
      }
      List<JsonNode> live = new ArrayList<>();
      for (JsonNode t : api.get("/api/tokens").path("tokens")) {
        if (Json.text(t, "name").equals(token) && Json.text(t, "revoked_at").isEmpty()) {
          live.add(t);
        }
      }
      if (live.isEmpty()) {
        throw PcyException.notFound(
            "no live token named '" + token + "' (pcy token list shows them)");
      }
      if (live.size() > 1) {
        List<String> ids = new ArrayList<>();
        live.forEach(t -> ids.add(Json.text(t, "id") + " (by " + Json.text(t, "user_id") + ")"));
        throw PcyException.usage(
            "'"
                + token
                + "' is ambiguous: it names "
                + live.size()
                + " live tokens, give one of their ids: "
                + String.join(", ", ids));
      }
      return Json.text(live.getFirst(), "id");
    }
  }
}
