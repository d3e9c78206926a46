package io.lifeguard.control.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free loopback ports for nodes and servers that tests start.
 *
 * <p>Ports come from below the kernel's ephemeral range (32768-60999 on Linux), walking upwards
 * from a per-JVM offset. A port handed out by {@code bind(0)} lies inside that range, and between
 * the probe closing it and the node binding it, any outgoing connection of the test JVM (HTTP
 * clients, Redis, JDBC) may take it as its local port: that race once left a node unable to bind
 * its HTTP port in CI. Outgoing connections never use ports below the range, and the counter never
 * hands the same port out twice in one JVM.
 */
public final class FreePorts {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private static final AtomicInteger NEXT =
      new AtomicInteger(LOW + (int) (ProcessHandle.current().pid() * 131 % (HIGH - LOW)));

  private FreePorts() {}

  public static int next() {
    for (int attempt = 0; attempt < HIGH - LOW; attempt++) {
      int port = NEXT.getAndUpdate(p -> p + 1 >= HIGH ? LOW : p + 1);
      if (bindable(port)) return port;
    }
    throw new IllegalStateException("no free loopback port between " + LOW + " and " + HIGH);
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
