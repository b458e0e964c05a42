package org.openpincery.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.NewEvent;

/**
 * Group commit ({@link GroupCommit}) for the operator API's messages: everything that waits while
 * {@code maxInFlight} batches run is appended by one {@code pincery_append_events_in_workspaces}
 * call in one transaction, and each caller's future completes after that commit.
 */
public final class AppendBatcher {

  private record Item(UUID workspaceId, UUID agentId, NewEvent event) {}

  private final GroupCommit<Item, AppendResult> commits;

  public AppendBatcher(EventRepository events, int maxInFlight, int maxBatch) {
    this.commits =
        new GroupCommit<>(
            item -> events.appendInWorkspace(item.workspaceId(), item.agentId(), item.event()),
            (List<Item> items) ->
                events.appendBatchInWorkspaces(
                    items.stream().map(Item::workspaceId).toList(),
                    items.stream().map(Item::agentId).toList(),
                    items.stream().map(Item::event).toList()),
            maxInFlight,
            maxBatch);
  }

  /** Appends to a live agent of the workspace; completes on the caller's context after commit. */
  public Future<AppendResult> appendInWorkspace(UUID workspaceId, UUID agentId, NewEvent event) {
    return commits.submit(new Item(workspaceId, agentId, event));
  }
}
