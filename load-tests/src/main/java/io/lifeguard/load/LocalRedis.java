package io.lifeguard.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code redis-server} on a free loopback port, so the node under load and the bridge's
 * echo worker never see (or disturb) anyone else's keys and channels.
 */
final class LocalRedis implements AutoCloseable {
  private final Process process;
  private final int port;

  private LocalRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static LocalRedis start() {
    int port = LocalNode.freePort();
    try {
      Process process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", LocalNode.HOST,
          "--save", "", "--appendonly", "no")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      LocalRedis redis = new LocalRedis(process, port);
      redis.awaitOpen();
      return redis;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server (is it on PATH?)", e);
    }
  }

  /** The redis-server process, for its CPU ticks. */
  ProcessProbe probe() {
    return new ProcessProbe(process.pid());
  }

  int port() {
    return port;
  }

  String url() {
    return "redis://" + LocalNode.HOST + ":" + port;
  }

  private void awaitOpen() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket(InetAddress.getByName(LocalNode.HOST), port)) {
        return;
      } catch (IOException e) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    throw new IllegalStateException("redis-server on port " + port + " did not open");
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
