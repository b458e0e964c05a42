package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;

/**
 * {@code pcy audit} against one real stack: what people did (through pcy) is on the trail, the
 * filters narrow it, the export is the server's JSON lines with hashes, and the chain verifies.
 */
class AuditCommandTest {

  @TempDir static Path home;

  private static CliStack stack;
  private static Cli owner;
  private static Cli viewer;
  private static String ownerId;

  @BeforeAll
  static void start() {
    stack = CliStack.start(null);
    owner = new Cli(stack.url(), home.resolve("owner/config.json"));
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
    ownerId = boot.json().get("user_id").asText();

    assertThat(owner.run("agent", "create", "audited").exit()).isZero();
    var invited = owner.run("invite", "vera@example.org", "--role", "viewer");
    assertThat(invited.exit()).as(invited.toString()).isZero();
    viewer = new Cli(stack.url(), home.resolve("vera/config.json"));
    var accepted = viewer.run("accept", invited.json().get("token").asText());
    assertThat(accepted.exit()).as(accepted.toString()).isZero();
    assertThat(viewer.run("agent", "create", "not-allowed").exit()).isEqualTo(6);
    assertThat(owner.run("token", "create", "nightly", "--role", "viewer").exit()).isZero();
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  private static List<String> actions(JsonNode page) {
    List<String> actions = new ArrayList<>();
    page.get("entries").forEach(e -> actions.add(e.get("action").asText()));
    return actions;
  }

  @Test
  void theTrailShowsWhoDidWhatAndTheFiltersNarrowIt() {
    var all = owner.run("audit");
    assertThat(all.exit()).as(all.toString()).isZero();
    assertThat(actions(all.json())).contains("agent.create", "invitation.create", "token.create");
    // The viewer's refused write is on the trail too, with its status.
    assertThat(all.json().get("entries"))
        .anySatisfy(
            e -> {
              assertThat(e.get("outcome").asText()).isEqualTo("refused");
              assertThat(e.get("status").asInt()).isEqualTo(403);
            });

    JsonNode tokens = owner.run("audit", "--action", "token.create").json().get("entries");
    assertThat(tokens).hasSize(1);
    assertThat(tokens.get(0).get("actor").get("id").asText()).isEqualTo(ownerId);

    JsonNode mine = owner.run("audit", "--actor", "admin@localhost").json().get("entries");
    assertThat(mine).isNotEmpty();
    assertThat(mine)
        .allSatisfy(e -> assertThat(e.get("actor").get("id").asText()).isEqualTo(ownerId));

    assertThat(owner.run("audit", "--since", "1h").json().get("entries")).isNotEmpty();
    assertThat(owner.run("audit", "--until", "2000-01-01T00:00:00Z").json().get("entries"))
        .isEmpty();

    JsonNode page = owner.run("audit", "--limit", "2").json();
    assertThat(page.get("entries")).hasSize(2);
    long next = page.get("next_after_seq").asLong();
    JsonNode after = owner.run("audit", "--after-seq", Long.toString(next)).json();
    assertThat(after.get("entries").get(0).get("seq").asLong()).isGreaterThan(next);

    String table = owner.runOnTerminal("audit", "--limit", "2", "--no-color").out();
    assertThat(table).startsWith("SEQ").contains("more: pcy audit --after-seq " + next);
    assertThat(owner.runOnTerminal("audit", "--action", "token.create", "--no-color").out())
        .contains("admin@localhost")
        .contains("token.create");
  }

  @Test
  void theExportIsJsonLinesWithHashesAndTheChainVerifies() throws IOException {
    int listed = owner.run("audit", "--limit", "1000").json().get("entries").size();
    Path file = home.resolve("audit.jsonl");
    var written = owner.run("audit", "--export", file.toString());
    assertThat(written.exit()).as(written.toString()).isZero();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSizeGreaterThanOrEqualTo(listed);
    assertThat(written.json().get("entries").asLong()).isEqualTo(lines.size());
    for (String line : lines) {
      JsonNode entry = Json.parse(line);
      assertThat(entry.get("hash").asText()).matches("[0-9a-f]{64}");
      assertThat(entry.has("prev_hash")).isTrue();
    }

    var piped = owner.run("audit", "--export", "-", "--action", "token.create");
    assertThat(piped.exit()).as(piped.toString()).isZero();
    assertThat(piped.out().lines().toList())
        .singleElement()
        .satisfies(l -> assertThat(Json.parse(l).get("action").asText()).isEqualTo("token.create"));

    var verified = owner.run("audit", "verify");
    assertThat(verified.exit()).as(verified.toString()).isZero();
    assertThat(verified.json().get("valid").asBoolean()).isTrue();
    assertThat(owner.runOnTerminal("audit", "verify", "--no-color").out())
        .startsWith("audit chain valid");
  }

  @Test
  void aViewerIsRefusedTheTrailWithExit6() {
    var refused = viewer.run("audit");
    assertThat(refused.exit()).isEqualTo(6);
    assertThat(refused.err()).startsWith("pcy: forbidden: ").contains("needs role admin");
    assertThat(viewer.run("audit", "--export", "-").exit()).isEqualTo(6);
    assertThat(viewer.run("audit", "verify").exit()).isEqualTo(6);
  }
}
