package io.lifeguard.sharding.persistence;

import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers, once, a persistence id that nothing ever writes, then stops: a {@link JournalProbe}
 * whose outcome is only logged. Journal and snapshot plugins, their connection pool and their
 * queries start lazily with the first recovery on a node; measured on a survivor of a crash, that
 * first recovery took about a second, all of it on the failover's critical path. A node that will
 * run host entities starts this as soon as the journal's tables exist, so the host entities it takes
 * over recover on a warm journal. It only reads.
 */
public final class JournalWarmup {
  /** The id recovered; no entity type uses it, so it stays empty. */
  public static final String PERSISTENCE_ID = "lifeguard-journal-warmup";

  private static final Logger log = LoggerFactory.getLogger(JournalWarmup.class);

  private JournalWarmup() {}

  public static Behavior<JournalProbe.Command> create() {
    return Behaviors.setup(unused -> {
      long startedAt = System.nanoTime();
      CompletableFuture<Boolean> recovered = new CompletableFuture<>();
      recovered.thenAccept(ok -> {
        if (ok) {
          log.info("journal warmed up: first recovery on this node took {} ms",
              (System.nanoTime() - startedAt) / 1_000_000);
        } else {
          // Not fatal: the first host entity recovering here pays the start-up instead.
          log.warn("journal warm-up failed; the first host entity recovering here pays the start-up");
        }
      });
      return JournalProbe.create(PERSISTENCE_ID, recovered);
    });
  }
}
