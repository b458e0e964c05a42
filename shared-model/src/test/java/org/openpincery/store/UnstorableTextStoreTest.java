package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.store.StoreFixture.LEASE;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StorableText;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.ModelCallRepository.ModelCall;

/**
 * Every write path of the store takes text PostgreSQL refuses as is (U+0000, an unpaired surrogate)
 * and keeps it escaped, with the escaped fields named: a write never fails on its text.
 */
class UnstorableTextStoreTest {

  private static final StoreFixture db = new StoreFixture(4);
  private static final String NUL = "a\u0000b";
  private static final String LONE = "x\uD800y";

  @AfterAll
  static void close() {
    db.close();
  }

  private static StoredEvent last(UUID agent) {
    return await(db.store.events().pageNewest(agent, 1)).getFirst();
  }

  @Test
  void aSingleAppendKeepsEveryFieldEscapedAndTheChainStillVerifies() {
    UUID agent = db.newAgent("single");
    NewEvent event =
        new NewEvent(
            EventType.MESSAGE_RECEIVED,
            "person " + LONE,
            NUL,
            null,
            new JsonObject().put("k" + NUL, LONE),
            null,
            null,
            new JsonObject().put("note", NUL));
    assertThat(await(db.store.events().append(agent, event)))
        .isInstanceOf(AppendResult.Appended.class);

    StoredEvent e = last(agent);
    assertThat(StorableText.unescape(e.content())).isEqualTo(NUL);
    assertThat(StorableText.unescape(e.source())).isEqualTo("person " + LONE);
    assertThat(e.toolInput().getString("ka\\u0000b")).isEqualTo("x\\ud800y");
    assertThat(StorableText.unescape(e.payload().getString("note"))).isEqualTo(NUL);
    assertThat(e.payload().getJsonArray("escaped").getList())
        .containsExactly("source", "content", "tool_input", "payload.note");
    assertThat(await(db.store.events().verifyChain(agent)))
        .isInstanceOf(ChainVerification.Valid.class);
  }

  @Test
  void aBatchedAppendIsEscapedToo() {
    UUID agent = db.newAgent("batched");
    UUID workspace = await(db.store.agents().find(agent)).orElseThrow().workspaceId();
    var result =
        await(
            new AppendBatcher(ws -> db.store.events(), 2, 16)
                .appendInWorkspace(workspace, agent, NewEvent.messageReceived("person", LONE)));
    assertThat(result).isInstanceOf(AppendResult.Appended.class);
    StoredEvent e = last(agent);
    assertThat(e.content()).isEqualTo("x\\ud800y");
    assertThat(e.payload().getJsonArray("escaped").getList()).containsExactly("content");
  }

  @Test
  void aWebhookIsReceivedWithItsTextEscaped() {
    UUID agent = db.newAgent("hooked");
    var received =
        await(
            db.store
                .webhooks()
                .receive(
                    agent,
                    "id:1",
                    "sender",
                    null,
                    new JsonObject().put("body", new JsonObject().put("k\u0000", NUL))));
    assertThat(received).isInstanceOf(WebhookRepository.Received.Accepted.class);
    StoredEvent e = last(agent);
    assertThat(e.payload().getJsonObject("body").getString("k\\u0000")).isEqualTo("a\\u0000b");
    assertThat(e.payload().getJsonArray("escaped").getList()).containsExactly("payload.body");
  }

  @Test
  void aModelCallAndATimerNoteAreStoredEscaped() throws Exception {
    UUID agent = db.newAgent("called");
    var claimed = (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", LEASE));
    ModelCall call =
        new ModelCall(
            "wake",
            "m",
            new JsonObject().put("messages", NUL),
            new JsonObject().put("content", LONE),
            "answered",
            200,
            1,
            1,
            BigDecimal.ZERO,
            1);
    assertThat(await(db.store.modelCalls().record(agent, claimed.wakeId(), call)))
        .isInstanceOf(ModelCallRepository.RecordResult.Recorded.class);
    assertThat(
            db.count(
                "SELECT count(*) FROM model_calls WHERE agent_id = '"
                    + agent
                    + "' AND (request->>'pincery_escaped')::boolean"
                    + " AND response->>'content' = 'x\\ud800y'"))
        .isEqualTo(1);

    var set =
        await(
            db.store
                .timers()
                .set(agent, claimed.wakeId(), OffsetDateTime.now().plusHours(1), "note " + NUL));
    assertThat(set).isInstanceOf(TimerRepository.SetResult.Set.class);
    List<TimerRepository.Timer> timers = await(db.store.timers().pending(agent));
    assertThat(timers).extracting(TimerRepository.Timer::note).containsExactly("note a\\u0000b");
  }
}
