package org.openpincery.wake;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.EventType;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository.WakeContext;
import org.openpincery.store.WakeRepository.WakeStart;

/**
 * What a wake reads as its input: at the start, its context and the first inbox page in one round
 * trip (with an interrupted wake's committed steps when there was one); then, at each step
 * boundary, the next page of inbox events — all folded into the {@link Conversation} as labelled
 * untrusted input.
 */
final class WakeInput {

  // Inbox events folded in per step boundary; the rest arrive at the next boundary.
  private static final int INBOX_PAGE = 200;
  // The most steps of interrupted wakes shown to the wake that takes their work over.
  private static final int INTERRUPTED_STEPS = 200;

  private final Store store;
  private final UUID agentId;
  private final Conversation conversation;
  private final List<StoredEvent> decisions = new ArrayList<>();
  private List<StoredEvent> first = List.of();

  WakeInput(Store store, UUID agentId, Conversation conversation) {
    this.store = store;
    this.agentId = agentId;
    this.conversation = conversation;
  }

  /**
   * Reads the wake's context and folds in the first inbox page.
   *
   * @throws IllegalStateException when the claimed agent no longer exists
   */
  WakeContext start(int summaryLimit) {
    long head = conversation.inboxHead();
    WakeStart start =
        store
            .wakes()
            .start(agentId, summaryLimit, conversation.readSeq(), head, INBOX_PAGE)
            .await()
            .orElseThrow(() -> new IllegalStateException("claimed agent " + agentId + " vanished"));
    if (start.context().interrupted()) {
      conversation.carry(
          InterruptedWake.turns(
              store
                  .events()
                  .interruptedSteps(agentId, conversation.readSeq(), INTERRUPTED_STEPS)
                  .await()));
    }
    first = start.inbox();
    foldPage(start.inbox(), head);
    return start.context();
  }

  /** The inbox events folded in by {@link #start} (oldest first): what the wake was woken for. */
  List<StoredEvent> firstPage() {
    return first;
  }

  /**
   * Folds in one page of new inbox events. The head is read once: a heartbeat may move it while the
   * page is read, and the events past the head the page was read to have not been read.
   */
  void foldNext() {
    long head = conversation.inboxHead();
    long from = conversation.readSeq();
    if (head <= from) {
      conversation.fold(List.of(), from);
      return;
    }
    foldPage(store.events().inbox(agentId, from, head, INBOX_PAGE).await(), head);
  }

  /**
   * The {@code approval_decided} events folded in since the last call, oldest first: the wake
   * settles each before its next model call.
   */
  List<StoredEvent> takeDecisions() {
    List<StoredEvent> taken = List.copyOf(decisions);
    decisions.clear();
    return taken;
  }

  // A page read up to the head: all of it when the page is not full, else up to its last event.
  private void foldPage(List<StoredEvent> page, long head) {
    conversation.fold(page, page.size() < INBOX_PAGE ? head : page.getLast().seq());
    for (StoredEvent e : page) {
      if (e.type().orElse(null) == EventType.APPROVAL_DECIDED) {
        decisions.add(e);
      }
    }
  }
}
