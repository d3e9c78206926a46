package io.lifeguard.sharding.persistence;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Recovers, once, a persistence id that nothing ever writes, then stops. Journal and snapshot
 * plugins, their connection pool and their queries start lazily with the first recovery on a node;
 * measured on a survivor of a crash, that first recovery took about a second, all of it on the
 * failover's critical path. A node that will run host entities starts this as soon as the journal's
 * tables exist, so the host entities it takes over recover on a warm journal. It only reads.
 */
public final class JournalWarmup extends EventSourcedBehavior<JournalWarmup.Command, JournalWarmup.Event, JournalWarmup.State> {
  /** The id recovered; no entity type uses it, so it stays empty. */
  public static final String PERSISTENCE_ID = "lifeguard-journal-warmup";

  /** The only command: sent to itself once recovery has completed. */
  public enum Command { STOP }

  /** Never persisted. */
  public enum Event {}

  public enum State { EMPTY }

  public static Behavior<Command> create() {
    return Behaviors.setup(JournalWarmup::new);
  }

  private final ActorContext<Command> context;
  private final long startedAt = System.nanoTime();

  private JournalWarmup(ActorContext<Command> context) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID));
    this.context = context;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Command.class, (state, command) -> Effect().stop())
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          context.getLog().info("journal warmed up: first recovery on this node took {} ms",
              (System.nanoTime() - startedAt) / 1_000_000);
          context.getSelf().tell(Command.STOP);
        })
        .onSignal(RecoveryFailed.class, (state, failed) ->
            // Not fatal: the first host entity recovering here pays the start-up instead.
            context.getLog().warn("journal warm-up failed: {}", failed.getFailure().toString()))
        .build();
  }
}
