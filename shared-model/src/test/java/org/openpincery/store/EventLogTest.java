package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.testkit.TestPostgres;

class EventLogTest {

  private static final StoreFixture db = new StoreFixture(16);

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void appendAssignsGaplessSeqAndOnlyWakingTypesMoveTheInbox() {
    UUID agent = db.newAgent("inbox");

    var first = await(db.store.events().append(agent, NewEvent.messageReceived("person", "hi")));
    var second = await(db.store.events().append(agent, NewEvent.assistantMessage("hello")));

    assertThat(first)
        .isInstanceOfSatisfying(AppendResult.Appended.class, a -> assertThat(a.seq()).isEqualTo(1));
    assertThat(second)
        .isInstanceOfSatisfying(AppendResult.Appended.class, a -> assertThat(a.seq()).isEqualTo(2));
    var state = await(db.store.agents().find(agent)).orElseThrow();
    assertThat(state.eventSeq()).isEqualTo(2);
    assertThat(state.inboxSeq()).as("only message_received wakes").isEqualTo(1);
    assertThat(state.consumedSeq()).isZero();
  }

  @Test
  void appendToAMissingAgentWritesNothing() throws SQLException {
    long before = db.count("SELECT count(*) FROM events");

    var result =
        await(db.store.events().append(UUID.randomUUID(), NewEvent.messageReceived("p", "x")));

    assertThat(result).isInstanceOf(AppendResult.AgentNotFound.class);
    assertThat(db.count("SELECT count(*) FROM events")).isEqualTo(before);
  }

  @Test
  void storedEventsReadBackAsWritten() {
    UUID agent = db.newAgent("readback");
    NewEvent call =
        new NewEvent(
            EventType.TOOL_CALL,
            "agent",
            null,
            "shell",
            new JsonObject().put("command", "echo ünïcode"),
            null,
            null,
            new JsonObject().put("n", 1));
    await(db.store.events().append(agent, call));

    List<StoredEvent> page = await(db.store.events().pageAfter(agent, 0, 10));

    assertThat(page).hasSize(1);
    StoredEvent e = page.get(0);
    assertThat(e.type()).contains(EventType.TOOL_CALL);
    assertThat(e.toolName()).isEqualTo("shell");
    assertThat(e.toolInput().getString("command")).isEqualTo("echo ünïcode");
    assertThat(e.payload().getInteger("n")).isEqualTo(1);
    assertThat(e.createdAt()).isNotNull();
  }

  @Test
  void updateDeleteAndTruncateOnEventsFailAtTheDatabase() throws SQLException {
    UUID agent = db.newAgent("immutable");
    await(db.store.events().append(agent, NewEvent.messageReceived("person", "keep me")));

    try (Connection c = TestPostgres.connect(db.url);
        Statement st = c.createStatement()) {
      assertThatThrownBy(() -> st.executeUpdate("UPDATE events SET content = 'changed'"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.executeUpdate("DELETE FROM events"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.execute("TRUNCATE events CASCADE"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
    }
    assertThat(db.count("SELECT count(*) FROM events WHERE content = 'keep me'")).isEqualTo(1);
  }

  @Test
  void eightConcurrentAppendersProduceAGaplessVerifiedChain() throws Exception {
    UUID agent = db.newAgent("concurrent");
    int appenders = 8;
    int each = 1_000;
    ExecutorService pool = Executors.newFixedThreadPool(appenders);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int a = 0; a < appenders; a++) {
        int appender = a;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    NewEvent e =
                        i % 10 == 0
                            ? NewEvent.messageReceived("appender-" + appender, "m" + i)
                            : NewEvent.assistantMessage("a" + appender + "-" + i);
                    assertThat(await(db.store.events().append(agent, e)))
                        .isInstanceOf(AppendResult.Appended.class);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    try (Connection c = TestPostgres.connect(db.url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM events WHERE agent_id = '"
                    + agent
                    + "'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(8_000);
      assertThat(rs.getLong(2)).isEqualTo(8_000);
      assertThat(rs.getLong(3)).isEqualTo(1);
      assertThat(rs.getLong(4)).isEqualTo(8_000);
    }
    assertThat(await(db.store.events().verifyChain(agent)))
        .isEqualTo(new ChainVerification.Valid(8_000));

    // Now alter one event behind the trigger's back, as a superuser could.
    db.execute(
        "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;"
            + "UPDATE events SET content = 'forged' WHERE agent_id = '"
            + agent
            + "' AND seq = 4321;"
            + "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;");

    assertThat(await(db.store.events().verifyChain(agent)))
        .isEqualTo(new ChainVerification.Broken(4321, "hash_mismatch", 8_000));
  }

  @Test
  void aDeletedEventIsReportedAsAGapAtItsSeq() throws SQLException {
    UUID agent = db.newAgent("gap");
    for (int i = 0; i < 5; i++) {
      await(db.store.events().append(agent, NewEvent.assistantMessage("e" + i)));
    }
    db.execute(
        "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;"
            + "DELETE FROM events WHERE agent_id = '"
            + agent
            + "' AND seq = 3;"
            + "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;");

    assertThat(await(db.store.events().verifyChain(agent)))
        .isEqualTo(new ChainVerification.Broken(3, "gap", 4));
  }

  @Test
  void javaWakingTypesAreExactlyTheDatabases() throws SQLException {
    try (Connection c = TestPostgres.connect(db.url);
        var ps = c.prepareStatement("SELECT pincery_is_waking(?)")) {
      for (EventType type : EventType.values()) {
        ps.setString(1, type.wire());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getBoolean(1)).as(type.wire()).isEqualTo(type.waking());
        }
      }
    }
  }
}
