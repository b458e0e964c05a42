package org.openpincery.wake.sandbox;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.openpincery.store.CredentialRepository;
import org.openpincery.vault.Vault;
import org.openpincery.wake.tools.ToolScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live credentials of a wake's workspace, opened with the vault: for {@code PLACEHOLDER:}
 * values and for the {@link Redactor}. Empty without a vault key.
 */
public final class WorkspaceSecrets {

  private static final Logger LOG = LoggerFactory.getLogger(WorkspaceSecrets.class);

  private final Optional<Vault> vault;

  public WorkspaceSecrets(Optional<Vault> vault) {
    this.vault = vault;
  }

  /** Name → value of every live credential of the scope's workspace (awaits the store). */
  public Map<String, String> open(ToolScope scope) {
    Map<String, String> out = new HashMap<>();
    if (vault.isEmpty()) {
      return out;
    }
    for (CredentialRepository.Stored s :
        scope.store().credentials().live(scope.workspaceId()).await()) {
      try {
        out.put(s.name(), vault.get().open(scope.workspaceId(), s.name(), s.sealed()));
      } catch (Vault.VaultException e) {
        LOG.warn("credential {} of workspace {} does not open", s.name(), scope.workspaceId());
      }
    }
    return out;
  }
}
