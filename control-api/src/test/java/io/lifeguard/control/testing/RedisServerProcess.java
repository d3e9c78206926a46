package io.lifeguard.control.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code redis-server} on a free loopback port, for tests that stop and restart Redis.
 * No persistence, so a restart comes back empty, like a Redis that lost its data.
 */
public final class RedisServerProcess implements AutoCloseable {
  private final int port;
  private Process process;

  private RedisServerProcess(int port) {
    this.port = port;
  }

  public static RedisServerProcess start() {
    RedisServerProcess server = new RedisServerProcess(freePort());
    server.startProcess();
    return server;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts again on the same port (after {@link #stop()}). */
  public void startProcess() {
    try {
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server (is it on PATH?)", e);
    }
    awaitPort(true);
  }

  public void stop() {
    if (process == null) return;
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
    awaitPort(false);
  }

  @Override
  public void close() {
    stop();
  }

  private void awaitPort(boolean open) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (Instant.now().isBefore(deadline)) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        if (open && socket.isConnected()) return;
      } catch (IOException e) {
        if (!open) return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    throw new AssertionError("redis-server on port " + port + " did not " + (open ? "open" : "close"));
  }

  public static int freePort() {
    return FreePorts.next();
  }
}
