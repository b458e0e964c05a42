package org.openpincery.wake;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.openpincery.model.StoredEvent;
import org.openpincery.reasoner.prompt.Turn;

/**
 * One wake's conversation and what of it the model has been shown (ARCHITECTURE.md §3.4): the turns
 * in order, the inbox event each input turn came from, and so how far {@code consumed_seq} may move
 * when the wake ends — to just below the first input never shown, or to all that was read.
 *
 * <p>Inbox events are read in pages between {@code readSeq} and the inbox head (which heartbeats
 * and steps move on); an interrupted wake's turns ({@link InterruptedWake}) are placed among them
 * by seq as the pages arrive. Not thread-safe except {@link #observeInboxHead}, which a heartbeat
 * calls from another thread.
 */
final class Conversation {

  private final List<Turn> turns = new ArrayList<>();
  // Per turn: the seq of its inbox event (0 for the model's own turns), and whether a model call
  // has been shown it.
  private final List<Long> turnSeqs = new ArrayList<>();
  private final List<Boolean> shown = new ArrayList<>();
  private final ArrayDeque<InterruptedWake.Carried> carried = new ArrayDeque<>();
  private long readSeq;
  private volatile long inboxHead;
  private long seenSeq;

  /**
   * @param consumedSeq the agent's {@code consumed_seq} at the claim: everything up to it was shown
   *     to an earlier wake
   * @param inboxSeq the agent's inbox head at the claim
   */
  Conversation(long consumedSeq, long inboxSeq) {
    this.readSeq = consumedSeq;
    this.seenSeq = consumedSeq;
    this.inboxHead = inboxSeq;
  }

  /** An interrupted wake's turns, to be placed by seq among the inbox turns (oldest first). */
  void carry(List<InterruptedWake.Carried> interrupted) {
    carried.addAll(interrupted);
  }

  /** A newer inbox head, seen by a heartbeat or a step; an older one is ignored. */
  void observeInboxHead(long seq) {
    inboxHead = Math.max(inboxHead, seq);
  }

  /** True while inbox events after {@link #readSeq} wait to be read. */
  boolean hasUnread() {
    return inboxHead > readSeq;
  }

  long readSeq() {
    return readSeq;
  }

  long inboxHead() {
    return inboxHead;
  }

  /**
   * Adds a page of inbox events (oldest first) as input turns, and the interrupted wake's turns
   * that came before them.
   *
   * @param readTo the seq the inbox is now read to: the head the page was read up to when it holds
   *     all events up to it, else the page's last seq (never a head read after the page)
   */
  void fold(List<StoredEvent> page, long readTo) {
    for (StoredEvent e : page) {
      addCarried(e.seq());
      add(WakeEvents.inbound(e), e.seq());
    }
    readSeq = Math.max(readSeq, readTo);
    addCarried(readSeq >= inboxHead ? Long.MAX_VALUE : readSeq + 1);
  }

  /** The model's own turn (its text, or a tool exchange). */
  void addOwn(Turn turn) {
    add(turn, 0);
  }

  List<Turn> turns() {
    return turns;
  }

  /**
   * After an answered call whose prompt held the turns from {@code firstKept} on: an input turn
   * left out for the prompt budget before it was ever shown holds {@link #seenSeq} below it, so it
   * stays pending.
   */
  void markShown(int firstKept) {
    for (int i = firstKept; i < turns.size(); i++) {
      shown.set(i, true);
    }
    long seen = readSeq;
    for (int i = 0; i < turns.size(); i++) {
      if (turnSeqs.get(i) > 0 && !shown.get(i)) {
        seen = turnSeqs.get(i) - 1;
        break;
      }
    }
    seenSeq = Math.max(seenSeq, seen);
  }

  /** How far {@code consumed_seq} may move when the wake ends: the input shown so far. */
  long seenSeq() {
    return seenSeq;
  }

  // The interrupted wakes' turns that came before the inbox event at beforeSeq.
  private void addCarried(long beforeSeq) {
    while (!carried.isEmpty() && carried.peekFirst().seq() < beforeSeq) {
      add(carried.pollFirst().turn(), 0);
    }
  }

  private void add(Turn turn, long seq) {
    turns.add(turn);
    turnSeqs.add(seq);
    shown.add(false);
  }
}
