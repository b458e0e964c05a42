package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.Capability;
import org.openpincery.model.McpGrant;
import org.openpincery.model.McpServer;

/**
 * Remote MCP servers as agent tools (V20, docs/mcp.md): a workspace's servers, the last tools/list
 * answer of each, and which of their tools each agent may call. The operator API writes servers and
 * grants; the wake worker reads an agent's granted servers at wake start ({@link #forWake}) and
 * records each listing ({@link #recordListing}, {@link #recordListingError}).
 *
 * <p>Every method names its workspace and touches only that workspace's rows; in a scoped store
 * ({@link Store#inWorkspace}) row-level security holds it there as well.
 */
public final class McpRepository {

  static final String SERVER_COLUMNS =
      """
      s.id, s.workspace_id, s.name, s.url, s.transport, s.credential_name, s.auth_header,
      s.auth_scheme, s.enabled, s.description, s.tools, s.tools_listed_at, s.last_error,
      s.created_by, s.created_at, s.updated_at, s.deleted_at
      """;

  private static final String CREATE =
      """
      INSERT INTO mcp_servers AS s (workspace_id, name, url, credential_name, auth_header,
                                    auth_scheme, description, created_by)
      VALUES ($1, $2, $3, $4, coalesce($5, 'Authorization'), coalesce($6, 'Bearer'), $7, $8)
      RETURNING
      """
          + SERVER_COLUMNS;

  private static final String LIST =
      "SELECT "
          + SERVER_COLUMNS
          + " FROM mcp_servers s WHERE s.workspace_id = $1 AND s.deleted_at IS NULL"
          + " ORDER BY s.name";

  private static final String GET =
      "SELECT "
          + SERVER_COLUMNS
          + " FROM mcp_servers s WHERE s.workspace_id = $1 AND s.id = $2 AND s.deleted_at IS NULL";

  private static final String GET_BY_NAME =
      "SELECT "
          + SERVER_COLUMNS
          + " FROM mcp_servers s WHERE s.workspace_id = $1 AND s.name = $2"
          + " AND s.deleted_at IS NULL";

  // A null parameter leaves its column as it is; $4/$8 say whether to set the nullable columns.
  private static final String UPDATE =
      """
      UPDATE mcp_servers s
         SET url = coalesce($3, s.url),
             credential_name = CASE WHEN $4 THEN $5 ELSE s.credential_name END,
             auth_header = coalesce($6, s.auth_header),
             auth_scheme = coalesce($7, s.auth_scheme),
             description = CASE WHEN $8 THEN $9 ELSE s.description END,
             enabled = coalesce($10, s.enabled),
             updated_at = now()
       WHERE s.workspace_id = $1 AND s.id = $2 AND s.deleted_at IS NULL
      RETURNING
      """
          + SERVER_COLUMNS;

  private static final String DELETE =
      """
      UPDATE mcp_servers s SET deleted_at = now(), updated_at = now()
       WHERE s.workspace_id = $1 AND s.id = $2 AND s.deleted_at IS NULL
      RETURNING s.id
      """;

  private static final String DELETE_SERVER_GRANTS = "DELETE FROM mcp_grants WHERE server_id = $1";

  private static final String RECORD_LISTING =
      """
      UPDATE mcp_servers s SET tools = $3, tools_listed_at = now(), last_error = NULL
       WHERE s.workspace_id = $1 AND s.id = $2 AND s.deleted_at IS NULL
      RETURNING
      """
          + SERVER_COLUMNS;

  private static final String RECORD_ERROR =
      """
      UPDATE mcp_servers s SET last_error = left($3, 2000)
       WHERE s.workspace_id = $1 AND s.id = $2 AND s.deleted_at IS NULL
      """;

  private static final String LOCK_AGENT =
      """
      SELECT a.id FROM agents a
       WHERE a.id = $2 AND a.workspace_id = $1 AND a.deleted_at IS NULL
         FOR NO KEY UPDATE
      """;

  private static final String DELETE_AGENT_GRANTS = "DELETE FROM mcp_grants WHERE agent_id = $1";

  // Only a live server of the agent's workspace can be granted: otherwise no row is inserted.
  private static final String INSERT_GRANT =
      """
      INSERT INTO mcp_grants (agent_id, server_id, tool, capability, created_by)
      SELECT $2, s.id, $4, $5, $6 FROM mcp_servers s
       WHERE s.id = $3 AND s.workspace_id = $1 AND s.deleted_at IS NULL
      ON CONFLICT (agent_id, server_id, tool) DO UPDATE SET capability = EXCLUDED.capability
      """;

  private static final String GRANTS =
      """
      SELECT g.server_id, s.name AS server, g.tool, g.capability
        FROM mcp_grants g
        JOIN mcp_servers s ON s.id = g.server_id
        JOIN agents a ON a.id = g.agent_id
       WHERE a.workspace_id = $1 AND g.agent_id = $2 AND s.deleted_at IS NULL
       ORDER BY s.name, g.tool
      """;

  // The agent's granted, enabled, live servers, each with its grants (one row per server).
  private static final String FOR_WAKE =
      "SELECT "
          + SERVER_COLUMNS
          + """
          , jsonb_agg(jsonb_build_object('tool', g.tool, 'capability', g.capability)
                      ORDER BY g.tool) AS grants
            FROM mcp_grants g
            JOIN mcp_servers s ON s.id = g.server_id
            JOIN agents a ON a.id = g.agent_id AND a.workspace_id = s.workspace_id
           WHERE g.agent_id = $1 AND s.enabled AND s.deleted_at IS NULL
           GROUP BY s.id
           ORDER BY s.name
          """;

  private static final String UNIQUE_NAME = "mcp_servers_live_name_uq";

  private final Pool pool;

  McpRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * A server to register.
   *
   * @param credentialName a workspace credential's name, or null
   * @param authHeader null for {@code Authorization}
   * @param authScheme null for {@code Bearer}; empty for the raw value
   */
  public record NewServer(
      String name,
      String url,
      String credentialName,
      String authHeader,
      String authScheme,
      String description) {}

  /**
   * What to change of a server; a null field is left as it is. {@code credentialName} and {@code
   * description} may also be cleared: {@code setCredential} / {@code setDescription} true with a
   * null value.
   */
  public record ServerChange(
      String url,
      boolean setCredential,
      String credentialName,
      String authHeader,
      String authScheme,
      boolean setDescription,
      String description,
      Boolean enabled) {}

  /** One grant to give: a server's id, a tool name or {@code *}, and an optional class. */
  public record NewGrant(UUID serverId, String tool, Capability capability) {}

  /** A server with the grants an agent holds on it ({@link #forWake}). */
  public record GrantedServer(McpServer server, List<McpGrant> grants) {}

  /** The outcome of {@link #create}. */
  public sealed interface CreateResult {
    record Created(McpServer server) implements CreateResult {}

    /** A live server of the workspace has that name. */
    record NameTaken() implements CreateResult {}
  }

  /** The outcome of {@link #replaceGrants}. Only {@link Replaced} wrote anything. */
  public sealed interface GrantsResult {
    /** The agent's grants now, as {@link #grants} lists them. */
    record Replaced(List<McpGrant> grants) implements GrantsResult {}

    /** No live agent of the workspace has that id. */
    record AgentNotFound() implements GrantsResult {}

    /** A grant names a server that is not a live server of the workspace. */
    record ServerNotFound(UUID serverId) implements GrantsResult {}
  }

  /** Registers a server; its name must be free among the workspace's live servers. */
  public Future<CreateResult> create(UUID workspaceId, NewServer server, UUID createdBy) {
    return pool.preparedQuery(CREATE)
        .execute(
            Tuple.from(
                new Object[] {
                  workspaceId,
                  server.name(),
                  server.url(),
                  server.credentialName(),
                  server.authHeader(),
                  server.authScheme(),
                  server.description(),
                  createdBy
                }))
        .map(rows -> (CreateResult) new CreateResult.Created(server(rows.iterator().next())))
        .recover(
            err ->
                err instanceof PgException pg && UNIQUE_NAME.equals(pg.getConstraint())
                    ? Future.succeededFuture(new CreateResult.NameTaken())
                    : Future.failedFuture(err));
  }

  /** The workspace's live servers, by name. */
  public Future<List<McpServer>> list(UUID workspaceId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(workspaceId)).map(McpRepository::servers);
  }

  /** A live server of the workspace. */
  public Future<Optional<McpServer>> get(UUID workspaceId, UUID serverId) {
    return pool.preparedQuery(GET)
        .execute(Tuple.of(workspaceId, serverId))
        .map(rows -> Rows.first(rows, McpRepository::server));
  }

  /** A live server of the workspace by its name. */
  public Future<Optional<McpServer>> getByName(UUID workspaceId, String name) {
    return pool.preparedQuery(GET_BY_NAME)
        .execute(Tuple.of(workspaceId, name))
        .map(rows -> Rows.first(rows, McpRepository::server));
  }

  /** Changes a live server; empty when the workspace has no live server of that id. */
  public Future<Optional<McpServer>> update(UUID workspaceId, UUID serverId, ServerChange change) {
    return pool.preparedQuery(UPDATE)
        .execute(
            Tuple.from(
                new Object[] {
                  workspaceId,
                  serverId,
                  change.url(),
                  change.setCredential(),
                  change.credentialName(),
                  change.authHeader(),
                  change.authScheme(),
                  change.setDescription(),
                  change.description(),
                  change.enabled()
                }))
        .map(rows -> Rows.first(rows, McpRepository::server));
  }

  /**
   * Removes a server (soft: its row stays for history, its name is free again) and every grant of
   * it, in one transaction. False when the workspace has no live server of that id.
   */
  public Future<Boolean> delete(UUID workspaceId, UUID serverId) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(DELETE)
                .execute(Tuple.of(workspaceId, serverId))
                .compose(
                    rows ->
                        rows.size() == 0
                            ? Future.succeededFuture(false)
                            : conn.preparedQuery(DELETE_SERVER_GRANTS)
                                .execute(Tuple.of(serverId))
                                .map(v -> true)));
  }

  /**
   * Keeps a successful tools/list answer ({@code [{name, description, input_schema, annotations}]})
   * and clears the last error. Empty when the server is gone.
   */
  public Future<Optional<McpServer>> recordListing(
      UUID workspaceId, UUID serverId, JsonArray tools) {
    return pool.preparedQuery(RECORD_LISTING)
        .execute(Tuple.of(workspaceId, serverId, tools))
        .map(rows -> Rows.first(rows, McpRepository::server));
  }

  /** Records why listing a server failed (cut to 2000 characters); the kept tools stay. */
  public Future<Void> recordListingError(UUID workspaceId, UUID serverId, String error) {
    return pool.preparedQuery(RECORD_ERROR)
        .execute(Tuple.of(workspaceId, serverId, error))
        .mapEmpty();
  }

  /**
   * Replaces all of an agent's grants with {@code grants}, in one transaction (the agent's row is
   * locked, so two replacements do not interleave). A grant listed twice is kept once (the last
   * class wins). Nothing is written unless the agent and every server are live in the workspace.
   */
  public Future<GrantsResult> replaceGrants(
      UUID workspaceId, UUID agentId, List<NewGrant> grants, UUID createdBy) {
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(LOCK_AGENT)
                    .execute(Tuple.of(workspaceId, agentId))
                    .compose(
                        locked -> {
                          if (locked.size() == 0) {
                            return Future.succeededFuture(
                                (GrantsResult) new GrantsResult.AgentNotFound());
                          }
                          return conn.preparedQuery(DELETE_AGENT_GRANTS)
                              .execute(Tuple.of(agentId))
                              .compose(
                                  v -> insertGrants(conn, workspaceId, agentId, grants, createdBy))
                              .compose(
                                  missing ->
                                      missing.isPresent()
                                          ? Future.failedFuture(new MissingServer(missing.get()))
                                          : grants(conn, workspaceId, agentId)
                                              .map(
                                                  g ->
                                                      (GrantsResult) new GrantsResult.Replaced(g)));
                        }))
        .recover(
            err ->
                err instanceof MissingServer missing
                    ? Future.succeededFuture(new GrantsResult.ServerNotFound(missing.serverId))
                    : Future.failedFuture(err));
  }

  // Rolls the transaction back when a grant names no live server of the workspace.
  private static final class MissingServer extends RuntimeException {
    final UUID serverId;

    MissingServer(UUID serverId) {
      super("no live MCP server " + serverId, null, false, false);
      this.serverId = serverId;
    }
  }

  // The first grant whose server is not a live server of the workspace, if any.
  private static Future<Optional<UUID>> insertGrants(
      SqlClient conn, UUID workspaceId, UUID agentId, List<NewGrant> grants, UUID createdBy) {
    Future<Optional<UUID>> chain = Future.succeededFuture(Optional.empty());
    for (NewGrant grant : grants) {
      chain =
          chain.compose(
              missing ->
                  missing.isPresent()
                      ? Future.succeededFuture(missing)
                      : conn.preparedQuery(INSERT_GRANT)
                          .execute(
                              Tuple.from(
                                  new Object[] {
                                    workspaceId,
                                    agentId,
                                    grant.serverId(),
                                    grant.tool(),
                                    grant.capability() == null ? null : grant.capability().wire(),
                                    createdBy
                                  }))
                          .map(
                              rows ->
                                  rows.rowCount() == 0
                                      ? Optional.of(grant.serverId())
                                      : Optional.<UUID>empty()));
    }
    return chain;
  }

  /** An agent's grants on live servers, by server name and tool, with the servers' names. */
  public Future<List<McpGrant>> grants(UUID workspaceId, UUID agentId) {
    return grants(pool, workspaceId, agentId);
  }

  private static Future<List<McpGrant>> grants(SqlClient client, UUID workspaceId, UUID agentId) {
    return client
        .preparedQuery(GRANTS)
        .execute(Tuple.of(workspaceId, agentId))
        .map(
            rows -> {
              List<McpGrant> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new McpGrant(
                        r.getUUID("server_id"),
                        r.getString("server"),
                        r.getString("tool"),
                        capability(r.getString("capability"))));
              }
              return out;
            });
  }

  /**
   * For a wake: the agent's granted servers that are enabled and live, by name, each with the
   * agent's grants on it (one query). A server of another workspace than the agent's is never among
   * them.
   */
  public Future<List<GrantedServer>> forWake(UUID agentId) {
    return pool.preparedQuery(FOR_WAKE)
        .execute(Tuple.of(agentId))
        .map(
            rows -> {
              List<GrantedServer> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                McpServer server = server(r);
                List<McpGrant> grants = new ArrayList<>();
                Object raw = r.getValue("grants");
                JsonArray array = raw instanceof JsonArray a ? a : new JsonArray();
                for (int i = 0; i < array.size(); i++) {
                  JsonObject g = array.getJsonObject(i);
                  grants.add(
                      new McpGrant(
                          server.id(),
                          server.name(),
                          g.getString("tool"),
                          capability(g.getString("capability"))));
                }
                out.add(new GrantedServer(server, List.copyOf(grants)));
              }
              return out;
            });
  }

  private static Capability capability(String wire) {
    return wire == null ? null : Capability.fromWire(wire).orElse(null);
  }

  private static List<McpServer> servers(io.vertx.sqlclient.RowSet<Row> rows) {
    List<McpServer> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(server(r)));
    return out;
  }

  static McpServer server(Row r) {
    Object tools = r.getValue("tools");
    return new McpServer(
        r.getUUID("id"),
        r.getUUID("workspace_id"),
        r.getString("name"),
        r.getString("url"),
        r.getString("transport"),
        r.getString("credential_name"),
        r.getString("auth_header"),
        r.getString("auth_scheme"),
        Boolean.TRUE.equals(r.getBoolean("enabled")),
        r.getString("description"),
        tools instanceof JsonArray a ? a : null,
        r.getOffsetDateTime("tools_listed_at"),
        r.getString("last_error"),
        r.getUUID("created_by"),
        r.getOffsetDateTime("created_at"),
        r.getOffsetDateTime("updated_at"),
        r.getOffsetDateTime("deleted_at"));
  }
}
