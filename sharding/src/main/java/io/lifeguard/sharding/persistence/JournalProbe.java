package io.lifeguard.sharding.persistence;

import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Recovers a persistence id that nothing writes, through the same journal and snapshot plugins,
 * connection pool and circuit breakers as the host entities, then stops; completes {@code result}
 * with whether that worked. A raw JDBC connection can succeed while the plugins still refuse (an
 * open circuit breaker), so "host entities can run here again" is decided by this probe.
 */
public final class JournalProbe extends EventSourcedBehavior<JournalProbe.Command, JournalProbe.Event, JournalProbe.State> {
  public static final String PERSISTENCE_ID = "lifeguard-journal-probe";

  /** The only command: sent to itself once recovery has completed. */
  public enum Command { STOP }

  /** Never persisted. */
  public enum Event {}

  public enum State { EMPTY }

  public static Behavior<Command> create(CompletableFuture<Boolean> result) {
    return create(PERSISTENCE_ID, result);
  }

  /** A probe recovering {@code persistenceId}, which nothing may write. */
  static Behavior<Command> create(String persistenceId, CompletableFuture<Boolean> result) {
    // A failed recovery stops the probe by throwing; the caller logs state changes, so no stack trace here.
    return Behaviors.supervise(Behaviors.<Command>setup(context -> new JournalProbe(persistenceId, context.getSelf(), result)))
        .onFailure(org.apache.pekko.actor.typed.SupervisorStrategy.stop().withLoggingEnabled(false));
  }

  private final org.apache.pekko.actor.typed.ActorRef<Command> self;
  private final CompletableFuture<Boolean> result;

  private JournalProbe(String persistenceId, org.apache.pekko.actor.typed.ActorRef<Command> self,
      CompletableFuture<Boolean> result) {
    super(PersistenceId.ofUniqueId(persistenceId));
    this.self = self;
    this.result = result;
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
          result.complete(true);
          self.tell(Command.STOP);
        })
        .onSignal(RecoveryFailed.class, (state, failed) -> result.complete(false))
        .build();
  }
}
