package io.lifeguard.node.testing;

/** Free loopback ports for nodes and servers that tests start (see the control-api testing class). */
public final class FreePorts {
  private FreePorts() {}

  public static int next() {
    return io.lifeguard.control.testing.FreePorts.next();
  }
}
