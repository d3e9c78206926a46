package io.lifeguard.load;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.atomic.LongAdder;

/**
 * The backend side of the bridge scenario, in the harness: pattern-subscribes the run's
 * {@code session:*:up} channels and publishes each message verbatim on the session's
 * {@code :down} channel, through lettuce (the client the node uses). Publishes are asynchronous:
 * lettuce pipelines them on one connection and nothing waits for their replies.
 */
final class EchoWorker implements AutoCloseable {
  final LongAdder echoed = new LongAdder();
  private final RedisClient client;
  private final StatefulRedisPubSubConnection<String, String> subscriber;
  private final StatefulRedisConnection<String, String> publisher;

  EchoWorker(String redisUrl, String sessionPrefix) {
    client = RedisClient.create(redisUrl);
    publisher = client.connect();
    subscriber = client.connectPubSub();
    RedisAsyncCommands<String, String> publish = publisher.async();
    subscriber.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String pattern, String channel, String message) {
        publish.publish(channel.substring(0, channel.length() - "up".length()) + "down", message);
        echoed.increment();
      }
    });
    subscriber.sync().psubscribe("session:" + sessionPrefix + "*:up");
  }

  @Override
  public void close() {
    subscriber.close();
    publisher.close();
    client.shutdown();
  }
}
