package io.lifeguard.load;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The backend side of the bridge scenario, in the harness: pattern-subscribes the run's
 * {@code session:*:up} channels and publishes each message verbatim on the session's
 * {@code :down} channel. Publishes are pipelined; a second thread drains their replies.
 */
final class EchoWorker implements AutoCloseable {
  final LongAdder echoed = new LongAdder();
  private final Resp subscriber;
  private final Resp publisher;
  private volatile boolean running = true;

  EchoWorker(int redisPort, String sessionPrefix) {
    subscriber = new Resp(redisPort);
    publisher = new Resp(redisPort);
    subscriber.call("PSUBSCRIBE", "session:" + sessionPrefix + "*:up");
    start("echo-worker", this::echoLoop);
    start("echo-replies", this::drainReplies);
  }

  private static void start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  private void echoLoop() {
    try {
      while (running) {
        Object message = subscriber.read();
        if (message instanceof List<?> parts && parts.size() == 4 && "pmessage".equals(parts.get(0))) {
          String channel = (String) parts.get(2);
          String down = channel.substring(0, channel.length() - "up".length()) + "down";
          synchronized (publisher) {
            publisher.write("PUBLISH", down, (String) parts.get(3));
            if (!subscriber.hasBufferedInput()) publisher.flush();
          }
          echoed.increment();
        }
      }
    } catch (RuntimeException e) {
      if (running) System.err.println("echo worker stopped: " + e);
    }
  }

  private void drainReplies() {
    try {
      while (running) publisher.read();
    } catch (RuntimeException e) {
      // closed
    }
  }

  @Override
  public void close() {
    running = false;
    subscriber.close();
    publisher.close();
  }
}
