package org.openpincery.standalone;

import io.vertx.core.Vertx;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.store.Store;
import org.openpincery.vault.Vault;

/**
 * {@code ./pincery vault-rotate}: re-seals every credential of {@code DATABASE_URL} from {@code
 * OPEN_PINCERY_VAULT_KEY} to {@code OPEN_PINCERY_VAULT_NEW_KEY} in one transaction (all or nothing;
 * a wrong current key changes nothing). Then restart every process with the new key.
 */
public final class RotateVaultKey {

  static final String NEW_KEY = "OPEN_PINCERY_VAULT_NEW_KEY";

  private RotateVaultKey() {}

  public static void main(String[] args) {
    Env env = Env.of(System.getenv());
    Vertx vertx = null;
    try {
      var url = env.requiredDatabaseUrl();
      Vault from =
          Vault.fromEnv(env)
              .orElseThrow(
                  () -> new ConfigException(Vault.KEY_SETTING, "is required: the current key"));
      Vault to;
      try {
        to =
            Vault.of(
                env.string(NEW_KEY).orElseThrow(() -> new IllegalArgumentException("is not set")));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            NEW_KEY, e.getMessage() + "; generate one with: openssl rand -base64 32");
      }
      vertx = Vertx.vertx();
      Store store = Store.open(vertx, new DatabaseConfig(url, 2, "pincery-vault-rotate"));
      int n = store.credentials().rotate(from, to).await();
      System.out.println(
          "re-sealed "
              + n
              + " credential(s); now set "
              + Vault.KEY_SETTING
              + " to the new key everywhere");
      store.closeAsync().await();
    } catch (ConfigException e) {
      System.err.println("open-pincery vault-rotate: " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (Vault.VaultException e) {
      System.err.println(
          "open-pincery vault-rotate: "
              + Vault.KEY_SETTING
              + ": "
              + e.getMessage()
              + "; nothing was changed");
      System.exit(ConfigException.EXIT_CODE);
    } catch (RuntimeException e) {
      System.err.println(
          "open-pincery vault-rotate: failed, nothing was changed: " + e.getMessage());
      System.exit(1);
    } finally {
      if (vertx != null) {
        vertx.close();
      }
    }
  }
}
