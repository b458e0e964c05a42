package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.vault.Vault;

/** The vault's sealing, and credentials stored and rotated in real PostgreSQL. */
class VaultTest {

  private static final StoreFixture db = new StoreFixture(4);
  private static final UUID WS = UUID.randomUUID();

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void sealsAndOpensAndTamperingOrAWrongKeyIsDetected() {
    Vault vault = Vault.of(Vault.newKey());
    Vault.Sealed sealed = vault.seal(WS, "token", "hunter2");
    assertThat(new String(sealed.ciphertext())).doesNotContain("hunter2");
    assertThat(vault.open(WS, "token", sealed)).isEqualTo("hunter2");

    byte[] flipped = sealed.ciphertext().clone();
    flipped[0] ^= 1;
    assertThatThrownBy(() -> vault.open(WS, "token", new Vault.Sealed(flipped, sealed.nonce())))
        .isInstanceOf(Vault.VaultException.class);
    byte[] nonce = sealed.nonce().clone();
    nonce[0] ^= 1;
    assertThatThrownBy(() -> vault.open(WS, "token", new Vault.Sealed(sealed.ciphertext(), nonce)))
        .isInstanceOf(Vault.VaultException.class);
    // The binding: another name or workspace does not open it.
    assertThatThrownBy(() -> vault.open(WS, "other", sealed))
        .isInstanceOf(Vault.VaultException.class);
    assertThatThrownBy(() -> vault.open(UUID.randomUUID(), "token", sealed))
        .isInstanceOf(Vault.VaultException.class);
    assertThatThrownBy(() -> Vault.of(Vault.newKey()).open(WS, "token", sealed))
        .isInstanceOf(Vault.VaultException.class);
    assertThat(vault.seal(WS, "token", "hunter2").nonce()).isNotEqualTo(sealed.nonce());
    assertThatThrownBy(() -> Vault.of("c2hvcnQ=")).hasMessageContaining("32 bytes");
  }

  @Test
  void credentialsAreStoredSealedRevokedAndRotatedToANewKey() {
    UUID workspace = db.store.agents().createWorkspace("vault").await();
    Vault old = Vault.of(Vault.newKey());
    var repo = db.store.credentials();
    assertThat(repo.create(workspace, "github", old.seal(workspace, "github", "ghp_one")).await())
        .isInstanceOf(CredentialRepository.CreateResult.Created.class);
    assertThat(repo.create(workspace, "github", old.seal(workspace, "github", "again")).await())
        .isInstanceOf(CredentialRepository.CreateResult.NameTaken.class);
    repo.create(workspace, "stripe", old.seal(workspace, "stripe", "sk_two")).await();
    assertThat(repo.list(workspace).await())
        .extracting(CredentialRepository.Listed::name)
        .containsExactly("github", "stripe");

    Vault next = Vault.of(Vault.newKey());
    assertThat(repo.rotate(old, next).await()).isEqualTo(2);
    for (var s : repo.live(workspace).await()) {
      String value = next.open(workspace, s.name(), s.sealed());
      assertThat(value).isIn("ghp_one", "sk_two");
      assertThatThrownBy(() -> old.open(workspace, s.name(), s.sealed()))
          .isInstanceOf(Vault.VaultException.class);
    }
    // Rotating with the wrong old key changes nothing.
    assertThatThrownBy(() -> repo.rotate(old, Vault.of(Vault.newKey())).await())
        .isInstanceOf(Vault.VaultException.class);
    assertThat(
            next.open(
                workspace,
                "github",
                repo.live(workspace).await().stream()
                    .filter(s -> s.name().equals("github"))
                    .findFirst()
                    .orElseThrow()
                    .sealed()))
        .isEqualTo("ghp_one");

    assertThat(repo.revoke(workspace, "github").await()).isTrue();
    assertThat(repo.revoke(workspace, "github").await()).isFalse();
    assertThat(repo.live(workspace).await())
        .extracting(CredentialRepository.Stored::name)
        .containsExactly("stripe");
    assertThat(Arrays.asList(repo.list(workspace).await().toArray())).hasSize(1);
  }
}
