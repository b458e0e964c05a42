package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Capability;
import org.openpincery.model.McpGrant;
import org.openpincery.model.McpServer;

/** The MCP store (V20): servers, their listings, and agents' grants of their tools. */
class McpRepositoryTest {

  private static final StoreFixture db = new StoreFixture(4);
  private static UUID workspace;
  private static UUID other;
  private static UUID agent;

  @BeforeAll
  static void workspaces() {
    workspace = await(db.store.agents().createWorkspace("mcp"));
    other = await(db.store.agents().createWorkspace("mcp-other"));
    agent = await(db.store.agents().createAgent(workspace, "tooler", "s", BigDecimal.TEN));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  private static McpServer create(UUID ws, String name) {
    var result =
        await(
            db.store
                .mcp()
                .create(
                    ws,
                    new McpRepository.NewServer(
                        name, "https://mcp.example.com/" + name, "tok", null, null, "d"),
                    null));
    return ((McpRepository.CreateResult.Created) result).server();
  }

  @Test
  void aServerIsCreatedWithTheDefaultsListedChangedAndSoftDeletedFreeingItsName() throws Exception {
    McpServer server = create(workspace, "github");
    assertThat(server.authHeader()).isEqualTo("Authorization");
    assertThat(server.authScheme()).isEqualTo("Bearer");
    assertThat(server.transport()).isEqualTo(McpServer.STREAMABLE_HTTP);
    assertThat(server.enabled()).isTrue();
    assertThat(server.credentialName()).isEqualTo("tok");

    var again =
        await(
            db.store
                .mcp()
                .create(
                    workspace,
                    new McpRepository.NewServer(
                        "github", "https://x.example.com", null, null, null, null),
                    null));
    assertThat(again).isInstanceOf(McpRepository.CreateResult.NameTaken.class);
    // Another workspace may use the name.
    assertThat(create(other, "github").workspaceId()).isEqualTo(other);

    var changed =
        await(
                db.store
                    .mcp()
                    .update(
                        workspace,
                        server.id(),
                        new McpRepository.ServerChange(
                            "https://new.example.com/mcp",
                            true,
                            null,
                            "X-Api-Key",
                            "",
                            false,
                            null,
                            false)))
            .orElseThrow();
    assertThat(changed.url()).isEqualTo("https://new.example.com/mcp");
    assertThat(changed.credentialName()).isNull();
    assertThat(changed.authHeader()).isEqualTo("X-Api-Key");
    assertThat(changed.authScheme()).isEmpty();
    assertThat(changed.description()).isEqualTo("d");
    assertThat(changed.enabled()).isFalse();
    // Another workspace's store cannot change or see it.
    assertThat(
            await(
                db.store
                    .mcp()
                    .update(
                        other,
                        server.id(),
                        new McpRepository.ServerChange(
                            null, false, null, null, null, false, null, true))))
        .isEmpty();
    assertThat(await(db.store.inWorkspace(other).mcp().get(workspace, server.id()))).isEmpty();
    assertThat(await(db.store.mcp().getByName(workspace, "github"))).isPresent();

    assertThat(await(db.store.mcp().delete(workspace, server.id()))).isTrue();
    assertThat(await(db.store.mcp().delete(workspace, server.id()))).isFalse();
    assertThat(await(db.store.mcp().get(workspace, server.id()))).isEmpty();
    assertThat(await(db.store.mcp().list(workspace)))
        .extracting(McpServer::name)
        .doesNotContain("github");
    assertThat(db.count("SELECT count(*) FROM mcp_servers WHERE id = '" + server.id() + "'"))
        .isEqualTo(1);
    assertThat(create(workspace, "github").id()).isNotEqualTo(server.id());
  }

  @Test
  void theSchemaRefusesABadNameAUrlThatIsNotHttpAndAnUnknownTransport() {
    assertThatThrownBy(() -> create(workspace, "Bad-Name")).hasMessageContaining("name_format");
    assertThatThrownBy(
            () ->
                db.execute(
                    "INSERT INTO mcp_servers (workspace_id, name, url) VALUES ('"
                        + workspace
                        + "', 'ftp', 'ftp://example.com')"))
        .hasMessageContaining("url_scheme");
    assertThatThrownBy(
            () ->
                db.execute(
                    "INSERT INTO mcp_servers (workspace_id, name, url, transport) VALUES ('"
                        + workspace
                        + "', 'sse', 'https://example.com', 'sse')"))
        .hasMessageContaining("transport_known");
  }

  @Test
  void aListingIsKeptAndAFailureRecordedWithoutLosingIt() {
    McpServer server = create(workspace, "lister");
    JsonArray tools =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("name", "echo")
                    .put("description", "echoes")
                    .put("input_schema", new JsonObject().put("type", "object"))
                    .put("annotations", new JsonObject().put("readOnlyHint", true)));
    var listed = await(db.store.mcp().recordListing(workspace, server.id(), tools)).orElseThrow();
    assertThat(listed.tools()).isEqualTo(tools);
    assertThat(listed.toolsListedAt()).isNotNull();
    await(db.store.mcp().recordListingError(workspace, server.id(), "connection refused"));
    var after = await(db.store.mcp().get(workspace, server.id())).orElseThrow();
    assertThat(after.lastError()).isEqualTo("connection refused");
    assertThat(after.tools()).isEqualTo(tools);
  }

  @Test
  void grantsAreReplacedInOneTransactionAndAWakeSeesOnlyEnabledLiveServers() {
    UUID holder = await(db.store.agents().createAgent(workspace, "holder", "s", BigDecimal.TEN));
    McpServer a = create(workspace, "alpha");
    McpServer b = create(workspace, "beta");
    McpServer off = create(workspace, "off");
    McpServer foreign = create(other, "foreign");
    await(
        db.store
            .mcp()
            .update(
                workspace,
                off.id(),
                new McpRepository.ServerChange(null, false, null, null, null, false, null, false)));

    var replaced =
        await(
            db.store
                .mcp()
                .replaceGrants(
                    workspace,
                    holder,
                    List.of(
                        new McpRepository.NewGrant(a.id(), "*", null),
                        new McpRepository.NewGrant(b.id(), "create_issue", Capability.EXTERNAL),
                        new McpRepository.NewGrant(b.id(), "delete_repo", null),
                        new McpRepository.NewGrant(off.id(), "*", null)),
                    null));
    assertThat(((McpRepository.GrantsResult.Replaced) replaced).grants())
        .extracting(McpGrant::namespaced)
        .containsExactly("alpha__*", "beta__create_issue", "beta__delete_repo", "off__*");

    var wake = await(db.store.mcp().forWake(holder));
    assertThat(wake).extracting(s -> s.server().name()).containsExactly("alpha", "beta");
    assertThat(wake.get(1).grants())
        .extracting(McpGrant::tool, McpGrant::capability)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("create_issue", Capability.EXTERNAL),
            org.assertj.core.groups.Tuple.tuple("delete_repo", null));

    // A grant naming another workspace's server writes nothing: the old grants stay.
    var refused =
        await(
            db.store
                .mcp()
                .replaceGrants(
                    workspace,
                    holder,
                    List.of(
                        new McpRepository.NewGrant(a.id(), "echo", null),
                        new McpRepository.NewGrant(foreign.id(), "*", null)),
                    null));
    assertThat(refused).isEqualTo(new McpRepository.GrantsResult.ServerNotFound(foreign.id()));
    assertThat(await(db.store.mcp().grants(workspace, holder))).hasSize(4);
    // Another workspace cannot replace this agent's grants.
    assertThat(await(db.store.mcp().replaceGrants(other, holder, List.of(), null)))
        .isInstanceOf(McpRepository.GrantsResult.AgentNotFound.class);

    // A deleted server drops out of the grants and of the wake.
    await(db.store.mcp().delete(workspace, a.id()));
    assertThat(await(db.store.mcp().grants(workspace, holder)))
        .extracting(McpGrant::server)
        .doesNotContain("alpha");
    assertThat(await(db.store.mcp().forWake(holder)))
        .extracting(s -> s.server().name())
        .containsExactly("beta");

    var emptied = await(db.store.mcp().replaceGrants(workspace, holder, List.of(), null));
    assertThat(((McpRepository.GrantsResult.Replaced) emptied).grants()).isEmpty();
    assertThat(await(db.store.mcp().forWake(holder))).isEmpty();
  }

  @Test
  void namespacedNamesAreReducedToTheProviderAlphabetAndCutTo64() {
    assertThat(org.openpincery.model.McpToolNames.namespaced("gh", "create issue/v2"))
        .isEqualTo("gh__create_issue_v2");
    String long64 = org.openpincery.model.McpToolNames.namespaced("srv", "x".repeat(100));
    assertThat(long64).hasSize(64).startsWith("srv__xxx");
  }
}
