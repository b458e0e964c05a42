package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;

/**
 * The team verbs against one real stack (the standalone tiers in this JVM, a fresh PostgreSQL
 * database, the built-in offline model): each person is a {@link Cli} with a config file of their
 * own, as separate people on separate machines would be.
 */
class TeamCommandsTest {

  @TempDir static Path home;

  private static CliStack stack;
  private static Cli owner;

  @BeforeAll
  static void start() {
    stack = CliStack.start(null);
    owner = person("owner");
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  private static Cli person(String name) {
    return new Cli(stack.url(), config(name));
  }

  private static Path config(String name) {
    return home.resolve(name).resolve("config.json");
  }

  /** Invites {@code email} as {@code role} (as the owner) and returns the answer. */
  private static JsonNode invite(String email, String role) {
    var r = owner.run("invite", email, "--role", role);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.json();
  }

  /** Invites and accepts: the new member's own pcy. */
  private static Cli join(String name, String role) {
    JsonNode invitation = invite(name + "@example.org", role);
    Cli member = person(name);
    var accepted = member.run("accept", invitation.get("token").asText());
    assertThat(accepted.exit()).as(accepted.toString()).isZero();
    return member;
  }

  private static List<String> memberEmails() {
    List<String> emails = new ArrayList<>();
    owner.run("members").json().get("members").forEach(m -> emails.add(m.get("email").asText()));
    return emails;
  }

  @Test
  void anInvitedMemberGetsARoleAndAViewerTokenReadsButCannotWriteUntilRevoked() throws Exception {
    var invited = owner.run("invite", "Bob@Example.org", "--role", "viewer", "--expires-in", "48h");
    assertThat(invited.exit()).as(invited.toString()).isZero();
    String token = invited.json().get("token").asText();
    String link = invited.json().get("accept_url").asText();
    assertThat(token).matches("inv_[0-9a-f]{64}");
    assertThat(link).startsWith("http").endsWith(token);
    assertThat(owner.runOnTerminal("invite", "x@example.org", "--role", "viewer").out())
        .contains("accept link:")
        .contains("shown once");

    // Bob accepts with the link (the server is the link's) and keeps his own session.
    Cli bob = new Cli("http://127.0.0.1:9", config("bob"));
    var accepted = bob.run("accept", link, "--name", "Bob");
    assertThat(accepted.exit()).as(accepted.toString()).isZero();
    assertThat(accepted.json().get("role").asText()).isEqualTo("viewer");
    assertThat(accepted.out()).doesNotContain("session_token");
    assertThat(Files.readString(config("bob"))).contains(stack.url());
    bob = person("bob");
    JsonNode me = bob.run("whoami").json();
    assertThat(me.get("email").asText()).isEqualTo("bob@example.org");
    assertThat(me.get("role").asText()).isEqualTo("viewer");

    // The invitation is single-use.
    var reused = person("mallory").run("accept", token);
    assertThat(reused.exit()).isEqualTo(1);
    assertThat(reused.err()).startsWith("pcy: ").contains("invitation_used");

    assertThat(memberEmails()).contains("admin@localhost", "bob@example.org");
    assertThat(owner.runOnTerminal("members", "--no-color").out())
        .startsWith("EMAIL")
        .contains("JOINED")
        .contains("bob@example.org");

    var promoted = owner.run("role", "set", "bob@example.org", "operator");
    assertThat(promoted.exit()).as(promoted.toString()).isZero();
    assertThat(promoted.json().get("role").asText()).isEqualTo("operator");

    // An operator cannot mint an admin token: exit 6 with the server's reason on one line.
    var escalation = bob.run("token", "create", "ci-admin", "--role", "admin");
    assertThat(escalation.exit()).as(escalation.toString()).isEqualTo(6);
    assertThat(escalation.err().strip().lines())
        .singleElement()
        .asString()
        .startsWith("pcy: forbidden: ")
        .contains("role_escalation");

    var created = bob.run("token", "create", "ci", "--role", "viewer", "--expires-in-days", "30");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.err()).contains("shown once");
    String apiToken = created.json().get("token").asText();
    assertThat(apiToken).matches("pcy_[0-9a-f]{64}");
    assertThat(created.json().get("role").asText()).isEqualTo("viewer");

    // A script with the token and no kept session: reads work, writes are refused (exit 6).
    Cli script = person("script").with("PCY_TOKEN", apiToken);
    var read = script.run("agent", "list");
    assertThat(read.exit()).as(read.toString()).isZero();
    JsonNode scriptMe = script.run("whoami").json();
    assertThat(scriptMe.get("role").asText()).isEqualTo("viewer");
    assertThat(scriptMe.get("auth").asText()).isEqualTo("api_token");
    var write = script.run("agent", "create", "from-a-script");
    assertThat(write.exit()).as(write.toString()).isEqualTo(6);
    assertThat(write.err()).startsWith("pcy: forbidden: ").contains("viewer");
    assertThat(person("option").run("agent", "list", "--token", apiToken).exit()).isZero();
    assertThat(person("legacy").with("OPEN_PINCERY_TOKEN", apiToken).run("agent", "list").exit())
        .isZero();

    JsonNode listed = bob.run("token", "list").json().get("tokens");
    assertThat(listed).anySatisfy(t -> assertThat(t.get("name").asText()).isEqualTo("ci"));
    assertThat(listed.toString()).doesNotContain(apiToken);
    assertThat(bob.runOnTerminal("token", "list", "--no-color").out())
        .contains("ci")
        .contains("active");

    var revoked = bob.run("token", "revoke", "ci");
    assertThat(revoked.exit()).as(revoked.toString()).isZero();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> script.run("agent", "list").exit() == PcyException.AUTH);
    var refused = script.run("agent", "list");
    assertThat(refused.err().strip().lines()).singleElement().asString().contains("PCY_TOKEN");
    assertThat(bob.runOnTerminal("token", "list", "--no-color").out()).contains("revoked");
    assertThat(bob.run("token", "revoke", "ci").exit()).as("no live token named ci").isEqualTo(4);
  }

  @Test
  void aRevokedInvitationCannotBeAcceptedAndMembersLeaveOrAreRemoved() {
    JsonNode carol = invite("carol@example.org", "operator");
    JsonNode pending = owner.run("invitations").json().get("invitations");
    assertThat(pending)
        .anySatisfy(
            i -> {
              assertThat(i.get("email").asText()).isEqualTo("carol@example.org");
              assertThat(i.get("status").asText()).isEqualTo("pending");
            });
    var revoke = owner.run("invitations", "revoke", "carol@example.org");
    assertThat(revoke.exit()).as(revoke.toString()).isZero();
    var late = person("carol").run("accept", carol.get("token").asText());
    assertThat(late.exit()).isEqualTo(1);
    assertThat(late.err()).contains("invitation_revoked");
    assertThat(owner.runOnTerminal("invitations", "--no-color").out()).contains("revoked");
    assertThat(owner.run("invitations", "revoke", "carol@example.org").exit()).isEqualTo(4);

    Cli dave = join("dave", "viewer");
    var left = dave.run("leave");
    assertThat(left.exit()).as(left.toString()).isZero();
    assertThat(dave.run("agent", "list").exit()).as("the session is forgotten").isEqualTo(3);
    assertThat(memberEmails()).doesNotContain("dave@example.org");

    Cli erin = join("erin", "operator");
    assertThat(erin.run("agent", "list").exit()).isZero();
    var removed = owner.run("members", "remove", "erin@example.org");
    assertThat(removed.exit()).as(removed.toString()).isZero();
    assertThat(memberEmails()).doesNotContain("erin@example.org");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> erin.run("agent", "list").exit() == PcyException.AUTH);
    assertThat(erin.run("agent", "list").err()).contains("removed from the workspace");
    assertThat(owner.run("members", "remove", "nobody@example.org").exit()).isEqualTo(4);

    // Removing oneself is leaving: the kept session is forgotten too.
    Cli gil = join("gil", "viewer");
    String gilId = gil.run("whoami").json().get("user_id").asText();
    assertThat(gil.run("members", "remove", gilId).exit()).isZero();
    var gone = gil.run("agent", "list");
    assertThat(gone.exit()).isEqualTo(3);
    assertThat(gone.err()).contains("not logged in");

    // A viewer may not invite, change roles or list invitations; the owner may not leave alone.
    Cli frank = join("frank", "viewer");
    var invite = frank.run("invite", "x@example.org", "--role", "viewer");
    assertThat(invite.exit()).isEqualTo(6);
    assertThat(invite.err()).startsWith("pcy: forbidden: ").contains("viewer");
    assertThat(frank.run("role", "set", "frank@example.org", "admin").exit()).isEqualTo(6);
    var lastOwner = owner.run("leave");
    assertThat(lastOwner.exit()).as(lastOwner.toString()).isEqualTo(1);
    assertThat(lastOwner.err()).contains("last_owner");
    assertThat(owner.run("whoami").exit()).as("the owner is still in").isZero();
  }

  @Test
  void aSessionSwitchesToAnotherWorkspaceOfTheUser() {
    // A second session of the owner's (bootstrap login), so the other tests' session stays put.
    Cli second = person("second-session");
    assertThat(second.run("login", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN).exit()).isZero();
    String first = second.run("whoami").json().get("workspace_id").asText();

    var created = second.run("workspace", "create", "Research");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.json().get("role").asText()).isEqualTo("owner");
    String research = created.json().get("id").asText();

    var use = second.run("workspace", "use", "research");
    assertThat(use.exit()).as(use.toString()).isZero();
    assertThat(second.run("whoami").json().get("workspace_id").asText()).isEqualTo(research);
    assertThat(second.run("agent", "list").json().get("agents")).isEmpty();
    assertThat(second.run("members").json().get("members")).hasSize(1);
    assertThat(second.runOnTerminal("workspace", "list", "--no-color").out())
        .contains("Research")
        .containsPattern("\\*\\s+Research");
    assertThat(owner.run("whoami").json().get("workspace_id").asText()).isEqualTo(first);

    assertThat(second.run("workspace", "use", "no-such-workspace").exit()).isEqualTo(4);
    assertThat(second.run("workspace", "use", first).exit()).isZero();
    assertThat(second.run("whoami").json().get("workspace_id").asText()).isEqualTo(first);
  }

  @Test
  void aTokenWithoutExpiryNeverExpiresAndCannotMintTokens() {
    var created = owner.run("token", "create", "forever", "--no-expiry");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.json().get("expires_at").isNull()).isTrue();
    assertThat(created.json().get("role").asText()).as("the creator's role").isEqualTo("owner");
    assertThat(owner.runOnTerminal("token", "list", "--no-color").out())
        .containsPattern("forever\\s+owner\\s+active.*never");
    var onTerminal = owner.runOnTerminal("token", "create", "shown", "--no-color");
    assertThat(onTerminal.out()).containsPattern("token: +pcy_[0-9a-f]{64}  \\(shown once");

    Cli script = person("forever").with("PCY_TOKEN", created.json().get("token").asText());
    var minted = script.run("token", "create", "child");
    assertThat(minted.exit()).isEqualTo(6);
    assertThat(minted.err()).contains("API token");
    assertThat(owner.run("token", "revoke", created.json().get("id").asText()).exit()).isZero();
    assertThat(owner.run("token", "revoke", "shown").exit()).isZero();
  }

  @Test
  void aGivenTokenTheServerDoesNotKnowIsExit3NamingWhereItCameFrom() {
    Cli script = person("unknown-token").with("PCY_TOKEN", "pcy_" + "0".repeat(64));
    var r = script.run("agent", "list");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err().strip().lines()).singleElement().asString().contains("PCY_TOKEN");
    var option = person("unknown-token").run("--token", "pcy_" + "1".repeat(64), "agent", "list");
    assertThat(option.exit()).isEqualTo(3);
    assertThat(option.err()).contains("--token");
  }

  @Test
  void badArgumentsAreUsageErrors() {
    Cli anyone = person("usage");
    assertThat(anyone.run("accept", "not-an-invitation").exit()).isEqualTo(2);
    assertThat(anyone.run("invite", "x@example.org").exit()).as("--role is required").isEqualTo(2);
    assertThat(anyone.run("invite", "x@example.org", "--role", "god").exit()).isEqualTo(2);
    assertThat(owner.run("invite", "x@example.org", "--role", "viewer", "--expires-in", "soon"))
        .extracting(Cli.Result::exit)
        .isEqualTo(2);
    assertThat(owner.run("token", "create", "x", "--no-expiry", "--expires-in-days", "3").exit())
        .isEqualTo(2);
    assertThat(owner.run("role", "set", "admin@localhost").exit()).isEqualTo(2);
    assertThat(owner.run("audit", "--since", "last tuesday").exit()).isEqualTo(2);
    assertThat(owner.run("token").exit()).isEqualTo(2);
    assertThat(owner.run("workspace").exit()).isEqualTo(2);
    for (String command : new String[] {"invite", "accept", "members", "token", "audit"}) {
      var help = anyone.run(command, "--help");
      assertThat(help.exit()).as(command).isZero();
      assertThat(help.out()).contains("Usage: pcy " + command).contains("6   forbidden");
    }
  }
}
