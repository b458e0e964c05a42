package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.store.AuditRepository.Entry;
import org.openpincery.store.AuditRepository.Filter;
import org.openpincery.store.AuditRepository.Stored;

/** The audit trail's store: per-workspace gapless hash chains, append-only, verifiable. */
class AuditLogTest {

  private static final StoreFixture db = new StoreFixture(8);

  @AfterAll
  static void close() {
    db.close();
  }

  private static Entry entry(UUID workspace, String action, UUID user, String target) {
    return new Entry(
        workspace,
        "user",
        user,
        user,
        action,
        target == null ? null : "agent",
        target,
        true,
        200,
        "127.0.0.1",
        "req-" + action,
        new JsonObject().put("name", "x"));
  }

  @Test
  void eachWorkspaceAndTheInstallationHaveAGaplessChainOfTheirOwnThatVerifies() {
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    UUID user = UUID.randomUUID();
    var first = await(db.store.audit().append(entry(a, "agent.create", user, "t1")));
    await(db.store.audit().append(entry(b, "agent.create", user, "t2")));
    var second = await(db.store.audit().append(entry(a, "agent.delete", user, "t1")));
    var installation =
        await(
            db.store
                .audit()
                .append(
                    new Entry(
                        null,
                        "anonymous",
                        null,
                        null,
                        "invitation.accept",
                        null,
                        null,
                        false,
                        404,
                        "10.0.0.1",
                        "r",
                        null)));

    assertThat(first.chain()).isEqualTo(a);
    assertThat(first.seq()).isEqualTo(1);
    assertThat(second.seq()).isEqualTo(2);
    assertThat(installation.chain()).isEqualTo(AuditRepository.INSTALLATION);
    assertThat(installation.seq()).isEqualTo(1);

    List<Stored> page = await(db.store.audit().list(a, Filter.all(10))).entries();
    assertThat(page).extracting(Stored::seq).containsExactly(1L, 2L);
    assertThat(page.get(0).hash()).isEqualTo(page.get(1).prevHash());
    assertThat(page.get(0).prevHash()).isEqualTo(new byte[32]);
    assertThat(page.get(1).outcome()).isEqualTo("ok");
    assertThat(page.get(1).detail()).isEqualTo(new JsonObject().put("name", "x"));

    var refused = await(db.store.audit().list(AuditRepository.INSTALLATION, Filter.all(10)));
    assertThat(refused.entries())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo("refused");
              assertThat(e.actorType()).isEqualTo("anonymous");
              assertThat(e.status()).isEqualTo(404);
            });

    assertThat(await(db.store.audit().verify(a))).isEqualTo(new ChainVerification.Valid(2));
    assertThat(await(db.store.audit().verify(b))).isEqualTo(new ChainVerification.Valid(1));
    assertThat(await(db.store.audit().verify(AuditRepository.INSTALLATION)))
        .isEqualTo(new ChainVerification.Valid(1));
    assertThat(await(db.store.audit().verify(UUID.randomUUID())))
        .isEqualTo(new ChainVerification.Valid(0));
  }

  @Test
  void filtersAndPagesReadInSeqOrder() {
    UUID ws = UUID.randomUUID();
    UUID alice = UUID.randomUUID();
    UUID bob = UUID.randomUUID();
    for (int i = 0; i < 5; i++) {
      await(db.store.audit().append(entry(ws, "agent.create", alice, "a" + i)));
      await(db.store.audit().append(entry(ws, "credential.add", bob, null)));
    }
    var audit = db.store.audit();

    Filter byAlice = new Filter(alice, null, null, null, null, null, null, null, 0, 2);
    var one = await(audit.list(ws, byAlice));
    assertThat(one.entries()).extracting(Stored::seq).containsExactly(1L, 3L);
    assertThat(one.nextAfterSeq()).isEqualTo(3L);
    var two = await(audit.list(ws, byAlice.after(one.nextAfterSeq())));
    assertThat(two.entries()).extracting(Stored::seq).containsExactly(5L, 7L);
    var three = await(audit.list(ws, byAlice.after(two.nextAfterSeq())));
    assertThat(three.entries()).extracting(Stored::seq).containsExactly(9L);
    assertThat(three.nextAfterSeq()).isNull();

    assertThat(
            await(
                    audit.list(
                        ws,
                        new Filter(
                            null, null, "credential.add", null, null, null, null, null, 0, 100)))
                .entries())
        .hasSize(5)
        .allSatisfy(e -> assertThat(e.actorId()).isEqualTo(bob));
    assertThat(
            await(
                    audit.list(
                        ws, new Filter(null, null, null, "agent.", null, null, null, null, 0, 100)))
                .entries())
        .hasSize(5);
    assertThat(
            await(
                    audit.list(
                        ws, new Filter(null, null, null, null, "agent", "a3", null, null, 0, 100)))
                .entries())
        .extracting(Stored::seq)
        .containsExactly(7L);
    var last = await(audit.list(ws, Filter.all(100))).entries().get(9);
    assertThat(
            await(
                    audit.list(
                        ws,
                        new Filter(null, null, null, null, null, null, last.at(), null, 0, 100)))
                .entries())
        .extracting(Stored::seq)
        .containsExactly(10L);
    assertThat(
            await(
                    audit.list(
                        ws,
                        new Filter(null, null, null, null, null, null, null, last.at(), 0, 100)))
                .entries())
        .hasSize(9);
  }

  @RepeatedTest(3)
  void concurrentAppendsToOneWorkspaceSerialiseIntoOneGaplessChain() {
    UUID ws = UUID.randomUUID();
    UUID user = UUID.randomUUID();
    List<Future<AuditRepository.Appended>> appends = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      appends.add(db.store.audit().append(entry(ws, "agent.update", user, "t" + i)));
    }
    await(Future.all(appends));

    assertThat(appends)
        .extracting(f -> f.result().seq())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.LongStream.rangeClosed(1, 32).boxed().toList());
    assertThat(await(db.store.audit().verify(ws))).isEqualTo(new ChainVerification.Valid(32));
  }

  @Test
  void theHashOfAKnownEntryIsTheDocumentedEncoding() throws SQLException {
    // Computed outside the database from the encoding V15 documents (sha256 of prev_hash,
    // workspace uuid, int8 seq, int8 microseconds, id uuid, then each text field as int4 length
    // and UTF-8 bytes, -1 for NULL, status as int4, detail as jsonb's text): an export can be
    // checked without PostgreSQL, and a migration that changed a byte would fail here.
    String sql =
        """
        SELECT encode(pincery_audit_hash('\\x0102'::bytea,
            '00000000-0000-0000-0000-000000000001'::uuid, 7,
            '00000000-0000-0000-0000-000000000003'::uuid,
            '2026-11-30 01:02:03.456789+00'::timestamptz, 'token',
            '00000000-0000-0000-0000-000000000004'::uuid,
            '00000000-0000-0000-0000-000000000005'::uuid, 'agent.create', 'agent', 'héllo 🦀',
            'refused', 409, '10.0.0.1', 'req-1', '{"name":"x","n":1}'::jsonb), 'hex')
        """;
    try (var c = org.openpincery.testkit.TestPostgres.connect(db.url);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      assertThat(rs.getString(1))
          .isEqualTo("70a3b4609682f5684343e3f1d11272e367800df658b46f701cba5f67a3e20e0d");
    }
  }

  @RepeatedTest(3)
  void anEntryUnlessRecentIsWrittenOnceWhateverTheRace() {
    UUID ws = UUID.randomUUID();
    UUID token = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    Entry use =
        new Entry(
            ws,
            "token",
            token,
            UUID.randomUUID(),
            "token.use",
            "token",
            token.toString(),
            true,
            200,
            "127.0.0.1",
            "r",
            null);
    List<Future<java.util.Optional<AuditRepository.Appended>>> racing = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      racing.add(db.store.audit().appendUnlessRecent(use, java.time.Duration.ofHours(1)));
    }
    await(Future.all(racing));

    assertThat(racing).filteredOn(f -> f.result().isPresent()).hasSize(1);
    Entry otherToken =
        new Entry(
            ws,
            "token",
            other,
            null,
            "token.use",
            "token",
            other.toString(),
            true,
            200,
            "127.0.0.1",
            "r",
            null);
    assertThat(
            await(db.store.audit().appendUnlessRecent(otherToken, java.time.Duration.ofHours(1))))
        .isPresent();
    assertThat(await(db.store.audit().appendUnlessRecent(use, java.time.Duration.ZERO)))
        .isPresent();
    assertThat(await(db.store.audit().verify(ws))).isEqualTo(new ChainVerification.Valid(3));
  }

  @Test
  void theLogRefusesUpdateAndDeleteAndATamperedEntryIsFoundAtItsSeq() throws SQLException {
    UUID ws = UUID.randomUUID();
    UUID user = UUID.randomUUID();
    for (int i = 0; i < 4; i++) {
      await(db.store.audit().append(entry(ws, "agent.update", user, "t" + i)));
    }
    assertThatThrownBy(
            () ->
                db.execute(
                    "UPDATE audit_log SET action = 'agent.read' WHERE workspace_id = '" + ws + "'"))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> db.execute("DELETE FROM audit_log WHERE workspace_id = '" + ws + "'"))
        .hasMessageContaining("append-only");

    db.execute(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete;"
            + " UPDATE audit_log SET address = '10.9.9.9' WHERE workspace_id = '"
            + ws
            + "' AND seq = 3;"
            + " ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");

    assertThat(await(db.store.audit().verify(ws)))
        .isEqualTo(new ChainVerification.Broken(3, "hash_mismatch", 4));
  }

  @Test
  void aDroppedLastEntryIsFoundByTheChainHead() throws SQLException {
    UUID ws = UUID.randomUUID();
    UUID user = UUID.randomUUID();
    for (int i = 0; i < 3; i++) {
      await(db.store.audit().append(entry(ws, "agent.update", user, "t" + i)));
    }
    db.execute(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete;"
            + " DELETE FROM audit_log WHERE workspace_id = '"
            + ws
            + "' AND seq = 3;"
            + " ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");

    assertThat(await(db.store.audit().verify(ws)))
        .isEqualTo(new ChainVerification.Broken(3, "head_mismatch", 2));
  }
}
