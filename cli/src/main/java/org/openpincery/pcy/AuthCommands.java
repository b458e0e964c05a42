package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sessions and the server's state: bootstrap, login, logout, whoami, status. */
final class AuthCommands {

  private AuthCommands() {}

  /** The {@code --bootstrap-token T} option of bootstrap, login and demo (a picocli mixin). */
  static final class BootstrapTokenOption {
    @Option(
        names = "--bootstrap-token",
        paramLabel = "T",
        description = "The server's OPEN_PINCERY_BOOTSTRAP_TOKEN (default: that variable).")
    String token;

    /** The option, else OPEN_PINCERY_BOOTSTRAP_TOKEN; a usage error when neither is given. */
    String value(Base command) {
      return bootstrapToken(command, token);
    }
  }

  /** The bootstrap token: the option, else OPEN_PINCERY_BOOTSTRAP_TOKEN. */
  static String bootstrapToken(Base command, String given) {
    String token = given != null ? given : command.io().env("OPEN_PINCERY_BOOTSTRAP_TOKEN");
    if (token == null || token.isBlank()) {
      throw PcyException.usage(
          "give --bootstrap-token T (or set OPEN_PINCERY_BOOTSTRAP_TOKEN); standalone keeps it in"
              + " data/bootstrap-token");
    }
    return token;
  }

  /** Keeps the session the server just gave for this URL. */
  static void keep(Base command, String url, JsonNode answer) {
    ObjectNode session = Json.object();
    session.put("token", answer.path("session_token").asText());
    session.put("user_id", Json.text(answer, "user_id"));
    if (answer.hasNonNull("workspace_id")) {
      session.put("workspace_id", answer.get("workspace_id").asText());
    }
    if (answer.hasNonNull("expires_at")) {
      session.put("expires_at", answer.get("expires_at").asText());
    }
    session.put("saved_at", java.time.Instant.now().toString());
    command.config().saveSession(url, session);
  }

  /** POST /api/bootstrap, or (already bootstrapped) POST /api/login; true when it bootstrapped. */
  static boolean bootstrapOrLogin(Base command, String token) {
    String url = command.url();
    Api api = new Api(url, null, false);
    Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);
    HttpResponse<String> boot = api.send("POST", "/api/bootstrap", null, bearer);
    if (boot.statusCode() == 201) {
      keep(command, url, parse(boot.body()));
      return true;
    }
    PcyException error =
        api.error(
            boot.statusCode(), boot.body(), boot.headers().firstValue("Retry-After").orElse(null));
    if (boot.statusCode() != 409) {
      throw error;
    }
    keep(command, url, api.call("POST", "/api/login", null, bearer));
    return false;
  }

  private static JsonNode parse(String body) {
    try {
      return Json.parse(body);
    } catch (java.io.IOException e) {
      throw new PcyException(PcyException.SERVER, "the server's answer is not JSON");
    }
  }

  private static void sessionLine(Base command, Output out, JsonNode answer, boolean showToken) {
    if (out.json()) {
      ObjectNode shown = answer.deepCopy();
      if (!showToken) {
        shown.remove("session_token");
      }
      shown.put("config", command.config().path().toString());
      out.json(shown);
      return;
    }
    out.line("session kept in " + command.config().path() + " for " + command.url());
    if (showToken) {
      out.line("session token: " + answer.path("session_token").asText());
    }
  }

  @Command(
      name = "bootstrap",
      description = {
        "Initialise a new installation once (admin, workspace) and keep its first session.",
        "Already bootstrapped: exit 1 (use 'pcy login')."
      })
  static final class Bootstrap extends Base {
    @Mixin BootstrapTokenOption token;

    @Option(names = "--email", description = "The admin's e-mail (default admin@localhost).")
    String email;

    @Option(names = "--name", description = "The admin's name (default Admin).")
    String name;

    @Option(names = "--workspace", description = "The workspace's name (default Default).")
    String workspace;

    @Option(names = "--show-token", description = "Also print the session token (for the web UI).")
    boolean showToken;

    @Override
    void run() {
      String bearer = token.value(this);
      Api api = new Api(url(), null, false);
      ObjectNode body = Json.object();
      if (email != null) {
        body.put("email", email);
      }
      if (name != null) {
        body.put("name", name);
      }
      if (workspace != null) {
        body.put("workspace_name", workspace);
      }
      JsonNode answer =
          api.call("POST", "/api/bootstrap", body, Map.of("Authorization", "Bearer " + bearer));
      keep(this, url(), answer);
      sessionLine(this, out(), answer, showToken);
    }
  }

  @Command(
      name = "login",
      description = "Start a new session with the bootstrap token and keep it.")
  static final class Login extends Base {
    @Mixin BootstrapTokenOption token;

    @Option(names = "--show-token", description = "Also print the session token (for the web UI).")
    boolean showToken;

    @Override
    void run() {
      String bearer = token.value(this);
      Api api = new Api(url(), null, false);
      JsonNode answer =
          api.call("POST", "/api/login", null, Map.of("Authorization", "Bearer " + bearer));
      keep(this, url(), answer);
      sessionLine(this, out(), answer, showToken);
    }
  }

  @Command(name = "logout", description = "End the kept session on the server and forget it.")
  static final class Logout extends Base {
    @Override
    void run() {
      // The kept session, also when PCY_TOKEN is set: an API token is revoked with 'token revoke'.
      Api api = keptApi();
      if (!api.hasSession()) {
        throw new PcyException(PcyException.AUTH, "not logged in to " + api.base());
      }
      String note;
      try {
        api.post("/api/logout", null);
        note = "logged out of " + api.base();
      } catch (PcyException e) {
        if (e.exitCode() != PcyException.AUTH) {
          throw e;
        }
        note = "the session had already ended; forgotten";
      }
      config().forgetSession(api.base());
      if (out().json()) {
        out().json(Json.object().put("logged_out", true).put("url", api.base()));
      } else {
        out().line(note);
      }
    }
  }

  @Command(
      name = "whoami",
      description = "The user, workspace, role and expiry of the session (or of the API token).")
  static final class Whoami extends Base {
    @Override
    void run() {
      Api api = session();
      JsonNode me = api.get("/api/me");
      if (out().json()) {
        out().json(me);
        return;
      }
      String workspace = Json.text(me, "workspace_id");
      if (!Json.text(me, "workspace_name").isEmpty()) {
        workspace = Json.text(me, "workspace_name") + " (" + workspace + ")";
      }
      String expires = Json.text(me, "session_expires_at");
      out()
          .fields(
              Output.pairs(
                  "url",
                  api.base(),
                  "user",
                  Json.text(me, "name") + " <" + Json.text(me, "email") + ">",
                  "user id",
                  Json.text(me, "user_id"),
                  "workspace",
                  workspace,
                  "role",
                  Json.text(me, "role"),
                  "auth",
                  Json.text(me, "auth").isEmpty() ? "session" : Json.text(me, "auth"),
                  "session expires",
                  expires.isEmpty() ? "never" : expires));
    }
  }

  @Command(
      name = "status",
      description = {
        "The server's readiness (GET /ready); exit 1 when not ready.",
        "Shows each check and the facts the server states (model, sandbox, vault)."
      })
  static final class Status extends Base {
    @Override
    void run() {
      Api api = new Api(url(), null, false);
      HttpResponse<String> response = api.send("GET", "/ready", null, Map.of());
      JsonNode ready;
      try {
        ready = Json.parse(response.body());
      } catch (java.io.IOException e) {
        ready = null;
      }
      if (ready == null || !ready.has("status")) {
        throw api.error(response.statusCode(), response.body(), null);
      }
      boolean ok = response.statusCode() == 200;
      if (out().json()) {
        out().json(ready);
      } else {
        Output o = out();
        List<String[]> lines = new ArrayList<>();
        lines.add(
            new String[] {
              "status",
              ok ? o.green(ready.path("status").asText()) : o.red(ready.path("status").asText())
            });
        lines.add(new String[] {"url", api.base()});
        ready
            .path("checks")
            .properties()
            .forEach(
                c ->
                    lines.add(
                        new String[] {
                          c.getKey(),
                          c.getValue().asText().equals("ok")
                              ? o.green("ok")
                              : o.red(c.getValue().asText())
                        }));
        ready
            .path("details")
            .properties()
            .forEach(d -> lines.add(new String[] {d.getKey(), d.getValue().asText()}));
        o.fields(lines);
      }
      if (!ok) {
        throw PcyException.failure(api.base() + " is not ready");
      }
    }
  }
}
