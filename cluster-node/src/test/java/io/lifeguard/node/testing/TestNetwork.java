package io.lifeguard.node.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A private network for node processes: one network namespace per node, each with a veth pair
 * whose other end is plugged into a Linux bridge that lives in a namespace of its own, so nothing
 * of it touches the machine's own interfaces. Node {@code i} has {@link #address(int)}
 * {@code 10.213.0.(i+1)/24} on its {@code eth0} and its own loopback. {@link #cut(int)} takes
 * node {@code i}'s bridge port down (every packet to and from it is lost, as with a pulled cable:
 * no reset, TCP keeps retransmitting) and {@link #heal(int)} brings it back.
 *
 * <p>Namespaces are named {@code lgfault<pid>-...} after the test JVM; {@link #create} first
 * removes those of earlier runs whose JVM is gone, and {@link #close} (also run by a shutdown hook)
 * kills whatever still runs inside this run's namespaces and deletes them. Needs root and
 * iproute2.
 */
public final class TestNetwork implements AutoCloseable {
  private static final String PREFIX = "lgfault";
  private static final String SUBNET = "10.213.0.";

  private final String run;
  private final int nodes;
  private final Thread cleanupOnExit;
  private boolean closed;

  private TestNetwork(String run, int nodes) {
    this.run = run;
    this.nodes = nodes;
    this.cleanupOnExit = new Thread(this::deleteNamespaces, "test-network-cleanup");
  }

  /**
   * Builds the bridge and {@code nodes} node namespaces. Skips the calling test (or fails it under
   * {@code LIFEGUARD_REQUIRE_TOOLS=1}) when namespaces cannot be made here, for example without root.
   */
  public static TestNetwork create(int nodes) {
    RequiredTools.require(Processes.onPath("ip"), "partition tests need iproute2's `ip` (apt-get install iproute2)");
    removeLeftovers();
    TestNetwork network = new TestNetwork(PREFIX + ProcessHandle.current().pid(), nodes);
    String bridge = network.bridgeNamespace();
    Result probe = ip("netns", "add", bridge);
    RequiredTools.require(probe.ok(), "partition tests need to create network namespaces (root): " + probe.describe());
    Runtime.getRuntime().addShutdownHook(network.cleanupOnExit);
    try {
      check(ip("-n", bridge, "link", "add", "br0", "type", "bridge"));
      check(ip("-n", bridge, "link", "set", "br0", "up"));
      for (int i = 0; i < nodes; i++) {
        String ns = network.namespace(i);
        check(ip("netns", "add", ns));
        check(ip("-n", ns, "link", "set", "lo", "up"));
        check(ip("-n", bridge, "link", "add", port(i), "type", "veth", "peer", "name", "eth0", "netns", ns));
        check(ip("-n", bridge, "link", "set", port(i), "master", "br0"));
        check(ip("-n", bridge, "link", "set", port(i), "up"));
        check(ip("-n", ns, "addr", "add", network.address(i) + "/24", "dev", "eth0"));
        check(ip("-n", ns, "link", "set", "eth0", "up"));
      }
      return network;
    } catch (RuntimeException | Error e) {
      network.close();
      throw e;
    }
  }

  /** The namespace node {@code i} runs in. */
  public String namespace(int i) {
    return run + "-n" + i;
  }

  /** Node {@code i}'s address on the test network. */
  public String address(int i) {
    return SUBNET + (i + 1);
  }

  /** The command prefix that runs a program inside node {@code i}'s namespace. */
  public List<String> exec(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /** Isolates node {@code i}: its bridge port goes down. */
  public void cut(int i) {
    check(ip("-n", bridgeNamespace(), "link", "set", port(i), "down"));
  }

  /** Reconnects node {@code i}. */
  public void heal(int i) {
    check(ip("-n", bridgeNamespace(), "link", "set", port(i), "up"));
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    deleteNamespaces();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down and runs the hook itself
    }
  }

  private void deleteNamespaces() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < nodes; i++) names.add(namespace(i));
    names.add(bridgeNamespace());
    names.forEach(TestNetwork::delete);
  }

  /** Namespaces of earlier runs whose JVM no longer exists (killed before its cleanup ran). */
  private static void removeLeftovers() {
    Result list = ip("netns", "list");
    if (!list.ok()) return;
    for (String line : list.output().split("\n")) {
      String name = line.split(" ")[0].strip();
      if (!name.startsWith(PREFIX) || !name.contains("-")) continue;
      String pid = name.substring(PREFIX.length(), name.indexOf('-'));
      boolean alive = pid.chars().allMatch(Character::isDigit) && !pid.isEmpty()
          && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
      if (!alive) delete(name);
    }
  }

  /** Kills what runs inside (a namespace lives on while a process holds it), then deletes it. */
  private static void delete(String namespace) {
    Result pids = ip("netns", "pids", namespace);
    if (pids.ok()) {
      for (String pid : pids.output().split("\\s+")) {
        if (!pid.isBlank() && pid.chars().allMatch(Character::isDigit)) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
    ip("netns", "del", namespace);
  }

  private String bridgeNamespace() {
    return run + "-br";
  }

  private static String port(int i) {
    return "port" + i;
  }

  /** A finished {@code ip} command: its output, and the command line for failure messages. */
  private record Result(boolean ok, String command, String output) {
    String describe() {
      return command + ": " + output.strip();
    }
  }

  private static Result ip(String... args) {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    try {
      Processes.Result result = Processes.run(null, command);
      return new Result(result.exitCode() == 0, String.join(" ", command), result.output());
    } catch (IOException e) {
      return new Result(false, String.join(" ", command), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void check(Result result) {
    if (!result.ok()) throw new AssertionError(result.describe());
  }
}
