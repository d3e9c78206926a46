package io.lifeguard.node.redis;

import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.output.CommandOutput;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's per-command timeout ({@code lifeguard.redis.command-timeout}) for every command but the
 * ones whose caller times them itself ({@link CallerTimed}): the bridge gives each batch of
 * PUBLISHes one timer for all of them (its {@code publish-timeout}), so a second, per-command timer
 * in lettuce only cost a timer entry and its cancellation per message.
 */
public final class CommandTimeouts extends TimeoutOptions.TimeoutSource {
  private final long timeoutNanos;

  CommandTimeouts(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  static TimeoutOptions options(Duration timeout) {
    return TimeoutOptions.builder().timeoutCommands(true).timeoutSource(new CommandTimeouts(timeout)).build();
  }

  @Override
  public long getTimeout(RedisCommand<?, ?, ?> command) {
    return CommandWrapper.unwrap(command) instanceof CallerTimed ? 0 : timeoutNanos;
  }

  @Override
  public TimeUnit getTimeUnit() {
    return TimeUnit.NANOSECONDS;
  }

  /** A command whose caller fails it on a timeout of its own; lettuce sets none. */
  public static final class CallerTimed<K, V, T> extends Command<K, V, T> {
    public CallerTimed(ProtocolKeyword type, CommandOutput<K, V, T> output, CommandArgs<K, V> args) {
      super(type, output, args);
    }
  }
}
