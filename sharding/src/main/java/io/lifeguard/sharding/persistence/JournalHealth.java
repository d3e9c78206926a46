package io.lifeguard.sharding.persistence;

import java.util.Set;

/**
 * Whether host entities can run on this node (its journal answers, through the persistence
 * plugins), and which members of the cluster said theirs does not. One per node: the node's
 * journal probe sets {@link #localUp}, {@link JournalHealthGossip} shares it and fills {@link
 * #downNodes}, the host entity factory reads the first and the shard allocation strategy the
 * second. Plain volatile reads: both are on hot paths.
 */
public final class JournalHealth {
  private volatile boolean localUp = true;
  private volatile boolean announcedDown;
  private volatile Set<String> downNodes = Set.of();

  /** False while this node's journal does not answer: its host entities refuse commands as {@code unavailable}. */
  public boolean localUp() {
    return localUp;
  }

  private volatile Runnable onAnnouncedChange = () -> { };

  /** Sets both views: what entities here do, and what the other nodes are told. */
  public void localUp(boolean up) {
    this.localUp = up;
    boolean changed = announcedDown == up;
    this.announcedDown = !up;
    if (changed) onAnnouncedChange.run();
  }

  /**
   * Called (on the probe's thread) whenever {@link #announcedUp()} changes, so {@link
   * JournalHealthGossip} tells the others at once instead of polling for it.
   */
  void onAnnouncedChange(Runnable listener) {
    this.onAnnouncedChange = listener;
  }

  /**
   * A journal call failed here (a write or a recovery): entities refuse writes at once, before the
   * probe has confirmed anything, so commands arriving meanwhile are answered instead of lost with
   * the next failure. Other nodes are told only when the probe confirms ({@link #localUp(boolean)});
   * if it finds the journal fine, it clears the suspicion within a probe period.
   */
  public void suspect() {
    this.localUp = false;
  }

  /** What {@link JournalHealthGossip} tells the other nodes: false only once the probe confirmed the loss. */
  public boolean announcedUp() {
    return !announcedDown;
  }

  /** Member addresses ({@code pekko://...}) whose journal does not answer, as last heard from them. */
  public Set<String> downNodes() {
    return downNodes;
  }

  void downNodes(Set<String> nodes) {
    this.downNodes = Set.copyOf(nodes);
  }
}
