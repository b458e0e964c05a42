package org.openpincery.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.openpincery.model.NewEvent;

/**
 * Group commit ({@link GroupCommit}) for the operator API's messages: everything that waits while
 * {@code maxInFlight} batches run is appended by one {@code pincery_append_events_in_workspaces}
 * call in one transaction, and each caller's future completes after that commit.
 */
public final class AppendBatcher {

  private record Item(UUID workspaceId, UUID agentId, NewEvent event) {}

  private final GroupCommit<Item, AppendResult> commits;

  /**
   * @param events the event repository to append a batch through, given the batch's workspaces (the
   *     operator API's is scoped to them: {@link Store#inWorkspaces})
   */
  public AppendBatcher(
      Function<List<UUID>, EventRepository> events, int maxInFlight, int maxBatch) {
    this.commits =
        new GroupCommit<>(
            item ->
                events
                    .apply(List.of(item.workspaceId()))
                    .appendInWorkspace(item.workspaceId(), item.agentId(), item.event()),
            (List<Item> items) -> {
              List<UUID> workspaces = items.stream().map(Item::workspaceId).toList();
              return events
                  .apply(workspaces)
                  .appendBatchInWorkspaces(
                      workspaces,
                      items.stream().map(Item::agentId).toList(),
                      items.stream().map(Item::event).toList());
            },
            maxInFlight,
            maxBatch);
  }

  /** Appends to a live agent of the workspace; completes on the caller's context after commit. */
  public Future<AppendResult> appendInWorkspace(UUID workspaceId, UUID agentId, NewEvent event) {
    return commits.submit(new Item(workspaceId, agentId, event));
  }
}
