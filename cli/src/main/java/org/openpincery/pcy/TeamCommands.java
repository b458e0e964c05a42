package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The people of a workspace: invite, accept, members (and remove), leave, role set, invitations
 * (and revoke). What each role may do is the server's rule (docs/api.md); a refusal is exit 6 with
 * the server's message.
 */
final class TeamCommands {

  private TeamCommands() {}

  /** An invitation token as the server hands it out: {@code inv_} and 64 hex digits. */
  static final Pattern INVITATION_TOKEN = Pattern.compile("inv_[0-9a-fA-F]{64}");

  private static final Pattern HOURS = Pattern.compile("(\\d+)\\s*([hd]?)");

  /** Hours in {@code 48}, {@code 48h}, {@code 7d}; else a usage error. */
  static int hours(String text) {
    Matcher m = HOURS.matcher(text.strip());
    if (!m.matches() || m.group(1).length() > 6) {
      throw PcyException.usage("'" + text + "' is not a number of hours (like 48, 48h, 7d)");
    }
    int n = Integer.parseInt(m.group(1));
    return m.group(2).equals("d") ? n * 24 : n;
  }

  @Command(
      name = "invite",
      description = {
        "Invite someone to the workspace by e-mail with a role (admin or owner only).",
        "Prints the accept link and the invitation token once; they accept with",
        "  pcy accept LINK_OR_TOKEN   (or in the web UI, by opening the link)"
      })
  static final class Invite extends Base {
    @Parameters(paramLabel = "EMAIL")
    String email;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        required = true,
        description = "owner, admin, operator or viewer; not above your own role.")
    Role role;

    @Option(
        names = "--expires-in",
        paramLabel = "HOURS",
        description = "Hours until the link expires, like 48, 48h or 7d (1h to 30d; default 7d).")
    String expiresIn;

    @Override
    void run() {
      Api api = session();
      ObjectNode body = Json.object().put("email", email).put("role", role.name());
      if (expiresIn != null) {
        body.put("expires_in_hours", hours(expiresIn));
      }
      JsonNode r = api.post("/api/invitations", body);
      String link = api.absolute(Json.text(r, "accept_url"));
      if (out().json()) {
        ObjectNode shown = r.deepCopy();
        shown.put("accept_url", link);
        out().json(shown);
        return;
      }
      Output o = out();
      o.line(
          "invited "
              + o.bold(Json.text(r, "email"))
              + " as "
              + Json.text(r, "role")
              + "; the invitation expires at "
              + Json.text(r, "expires_at"));
      o.fields(
          Output.pairs(
              "accept link",
              link,
              "token",
              o.bold(Json.text(r, "token")) + o.dim("  (shown once: send it now)"),
              "to accept",
              "pcy --url " + api.base() + " accept TOKEN [--name NAME]"));
    }
  }

  @Command(
      name = "accept",
      description = {
        "Accept an invitation (its link or token) and keep the new session, as login does.",
        "With a link and no --url, the server is the link's."
      })
  static final class Accept extends Base {
    @Parameters(
        paramLabel = "LINK_OR_TOKEN",
        description = "The accept link, or the inv_... token.")
    String invitation;

    @Option(
        names = "--name",
        description = "Your display name (a new user's; default: from e-mail).")
    String name;

    @Override
    void run() {
      Matcher m = INVITATION_TOKEN.matcher(invitation);
      if (!m.find()) {
        throw PcyException.usage(
            "'" + invitation + "' is neither an invitation link nor a token (inv_ and 64 hex)");
      }
      String token = m.group().toLowerCase(Locale.ROOT);
      String url = server();
      Api api = new Api(url, null, false);
      ObjectNode body = Json.object().put("token", token);
      if (name != null) {
        body.put("name", name);
      }
      boolean replaced = config().session(url).isPresent();
      JsonNode r = api.post("/api/invitations/accept", body);
      AuthCommands.keep(this, url, r);
      if (out().json()) {
        ObjectNode shown = r.deepCopy();
        shown.remove("session_token");
        shown.put("url", url);
        shown.put("config", config().path().toString());
        out().json(shown);
        return;
      }
      out()
          .line(
              "joined workspace "
                  + Json.text(r, "workspace_id")
                  + " as "
                  + out().bold(Json.text(r, "role")));
      out()
          .line(
              "session kept in "
                  + config().path()
                  + " for "
                  + url
                  + (replaced ? " (in place of the one kept before)" : ""));
    }

    /** --url, else the link's server, else OPEN_PINCERY_URL or the default. */
    private String server() {
      String link = invitation.strip();
      if (root().url == null && (link.startsWith("http://") || link.startsWith("https://"))) {
        // <base>/#/accept/inv_…: the base is what comes before the fragment; without one, the
        // link's origin.
        int cut = link.indexOf('#');
        if (cut >= 0) {
          return Api.normalise(link.substring(0, cut));
        }
        try {
          java.net.URI uri = new java.net.URI(link);
          return Api.normalise(uri.getScheme() + "://" + uri.getRawAuthority());
        } catch (java.net.URISyntaxException e) {
          throw PcyException.usage("'" + link + "' is not a link: give the token alone");
        }
      }
      return url();
    }
  }

  @Command(
      name = "members",
      description = {
        "The workspace's members: e-mail, name, role, joined.",
        "  pcy members remove USER   (admin: remove a member; their sessions end at once)"
      },
      subcommands = {MembersCommand.Remove.class})
  static final class MembersCommand extends Base {
    @Override
    void run() {
      JsonNode r = new Members(session()).list();
      if (out().json()) {
        out().json(r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode m : r.path("members")) {
        rows.add(
            List.of(
                Json.text(m, "email"),
                Json.text(m, "name"),
                Json.text(m, "role"),
                Json.text(m, "joined_at")));
      }
      out().table(List.of("EMAIL", "NAME", "ROLE", "JOINED"), rows);
    }

    @Command(
        name = "remove",
        description =
            "Remove a member (by e-mail or user id): their sessions and tokens here end at once.")
    static final class Remove extends Base {
      @Parameters(paramLabel = "USER", description = "The member's e-mail or user id.")
      String user;

      @Override
      void run() {
        Api api = session();
        String id = new Members(api).userId(user);
        api.delete("/api/members/" + id);
        // Removing oneself is leaving: the server ended the session, so forget it (as leave does).
        if (givenToken() == null
            && config()
                .session(api.base())
                .map(kept -> Json.text(kept, "user_id").equals(id))
                .orElse(false)) {
          config().forgetSession(api.base());
        }
        if (out().json()) {
          out().json(Json.object().put("user_id", id).put("removed", true));
        } else {
          out().line("removed " + user + " from the workspace");
        }
      }
    }
  }

  @Command(
      name = "leave",
      description = {
        "Leave the session's workspace (refused for its last owner) and forget the session.",
        "Needs a session (not an API token)."
      })
  static final class Leave extends Base {
    @Override
    void run() {
      Api api = keptSession();
      JsonNode me = api.get("/api/me");
      String workspace =
          Json.text(me, "workspace_name").isEmpty()
              ? Json.text(me, "workspace_id")
              : Json.text(me, "workspace_name");
      api.delete("/api/members/" + Json.text(me, "user_id"));
      // The server ended the sessions bound to the workspace left, this one too.
      config().forgetSession(api.base());
      if (out().json()) {
        out()
            .json(
                Json.object().put("workspace_id", Json.text(me, "workspace_id")).put("left", true));
      } else {
        out().line("left workspace " + workspace + "; the session for " + api.base() + " ended");
      }
    }
  }

  @Command(
      name = "role",
      description = "Members' roles: pcy role set USER ROLE.",
      subcommands = {RoleCommand.Set.class})
  static final class RoleCommand extends Base {
    @Override
    void run() {
      throw PcyException.usage("role needs a command: set");
    }

    @Command(
        name = "set",
        description = {
          "Change a member's role (by e-mail or user id).",
          "Admins set roles up to admin; only owners make or unmake owners; never the last owner."
        })
    static final class Set extends Base {
      @Parameters(index = "0", paramLabel = "USER", description = "The member's e-mail or user id.")
      String user;

      @Parameters(index = "1", paramLabel = "ROLE", description = "owner, admin, operator, viewer")
      Role role;

      @Override
      void run() {
        Api api = session();
        String id = new Members(api).userId(user);
        JsonNode r = api.patch("/api/members/" + id, Json.object().put("role", role.name()));
        if (out().json()) {
          out().json(r);
        } else {
          String who = Json.text(r, "email").isEmpty() ? user : Json.text(r, "email");
          out().line(who + " is now " + out().bold(Json.text(r, "role")));
        }
      }
    }
  }

  @Command(
      name = "invitations",
      description = {
        "The workspace's invitations and their status (pending, accepted, expired, revoked).",
        "  pcy invitations revoke ID   (a pending one's link stops working)"
      },
      subcommands = {InvitationsCommand.Revoke.class})
  static final class InvitationsCommand extends Base {
    @Override
    void run() {
      Api api = session();
      JsonNode r = api.get("/api/invitations");
      if (out().json()) {
        out().json(r);
        return;
      }
      Map<String, String> emails = new Members(api).emails();
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode i : r.path("invitations")) {
        String by = Json.text(i, "invited_by");
        rows.add(
            List.of(
                Json.text(i, "email"),
                Json.text(i, "role"),
                Json.text(i, "status"),
                Json.text(i, "expires_at"),
                emails.getOrDefault(by, by),
                Json.text(i, "id")));
      }
      out().table(List.of("EMAIL", "ROLE", "STATUS", "EXPIRES", "INVITED BY", "ID"), rows);
    }

    @Command(
        name = "revoke",
        description = "Revoke an invitation (by id, or by the e-mail of a pending one).")
    static final class Revoke extends Base {
      @Parameters(paramLabel = "ID", description = "The invitation's id, or its pending e-mail.")
      String invitation;

      @Override
      void run() {
        Api api = session();
        String id = id(api);
        api.delete("/api/invitations/" + id);
        if (out().json()) {
          out().json(Json.object().put("id", id).put("revoked", true));
        } else {
          out().line("invitation " + id + " revoked");
        }
      }

      private String id(Api api) {
        if (Agents.UUID_TEXT.matcher(invitation).matches()) {
          return invitation.toLowerCase(Locale.ROOT);
        }
        List<String> pending = new ArrayList<>();
        for (JsonNode i : api.get("/api/invitations").path("invitations")) {
          if (Json.text(i, "email").equalsIgnoreCase(invitation.strip())
              && Json.text(i, "status").equals("pending")) {
            pending.add(Json.text(i, "id"));
          }
        }
        if (pending.isEmpty()) {
          throw PcyException.notFound(
              "no pending invitation for '" + invitation + "' (pcy invitations shows them)");
        }
        if (pending.size() > 1) {
          throw PcyException.usage(
              "'"
                  + invitation
                  + "' has "
                  + pending.size()
                  + " pending invitations, give one of their ids: "
                  + String.join(", ", pending));
        }
        return pending.getFirst();
      }
    }
  }
}
