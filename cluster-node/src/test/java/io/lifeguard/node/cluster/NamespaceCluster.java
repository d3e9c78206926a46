package io.lifeguard.node.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.NamespacedNode;
import io.lifeguard.node.testing.TestNetwork;
import io.lifeguard.sharding.assignment.RendezvousAssignment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Node processes in their own network namespaces ({@link TestNetwork}), sharing the machine's
 * PostgreSQL journal and Redis through forwarders. The first node forms the cluster, the others
 * join it; {@link #ensureUp()} replaces any node that has exited (in the same namespace, with the
 * same address) so fault tests can run one after another on one cluster.
 */
final class NamespaceCluster implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(90);

  private final TestNetwork network;
  private final List<NamespacedNode> nodes = new ArrayList<>();
  private final Map<String, String> env;
  private final Path socketDir;

  private NamespaceCluster(TestNetwork network, Map<String, String> env, Path socketDir) {
    this.network = network;
    this.env = env;
    this.socketDir = socketDir;
  }

  /** Builds the network and starts {@code size} nodes with {@code env}; returns when all are Up. */
  static NamespaceCluster start(int size, Map<String, String> env) {
    TestNetwork network = TestNetwork.create(size);
    NamespaceCluster cluster;
    try {
      cluster = new NamespaceCluster(network, env, Files.createTempDirectory("lgns"));
    } catch (IOException e) {
      network.close();
      throw new UncheckedIOException(e);
    }
    try {
      for (int i = 0; i < size; i++) cluster.nodes.add(NamespacedNode.prepare(network, i, cluster.socketDir));
      cluster.nodes.get(0).start(cluster.envWithSeeds(List.of()));
      for (int i = 1; i < size; i++) cluster.nodes.get(i).start(cluster.envWithSeeds(List.of(cluster.nodes.get(0))));
      for (NamespacedNode n : cluster.nodes) n.awaitReady(START);
      NamespacedNode.awaitMembersUp(cluster.nodes, size, START);
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** Restarts every node that is no longer running, joining the running ones, and waits for all Up. */
  void ensureUp() {
    List<NamespacedNode> running = nodes.stream().filter(NamespacedNode::isAlive).toList();
    if (running.size() == nodes.size()) {
      NamespacedNode.awaitMembersUp(nodes, nodes.size(), START);
      return;
    }
    for (NamespacedNode n : nodes) {
      if (!n.isAlive()) n.start(envWithSeeds(running));
    }
    for (NamespacedNode n : nodes) n.awaitReady(START);
    NamespacedNode.awaitMembersUp(nodes, nodes.size(), START);
  }

  private Map<String, String> envWithSeeds(List<NamespacedNode> seeds) {
    Map<String, String> vars = new HashMap<>(env);
    vars.put("LIFEGUARD_SEED_NODES", seeds.stream().map(NamespacedNode::seed).collect(Collectors.joining(",")));
    return vars;
  }

  NamespacedNode node(int i) {
    return nodes.get(i);
  }

  List<NamespacedNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Every node but {@code i}. */
  List<NamespacedNode> others(int i) {
    List<NamespacedNode> rest = new ArrayList<>(nodes);
    rest.remove(i);
    return rest;
  }

  TestNetwork network() {
    return network;
  }

  /** The current log of every node. */
  List<String> logs() {
    return nodes.stream().map(NamespacedNode::log).toList();
  }

  /** Lines containing {@code marker} that any node logged at or after {@code since}. */
  long count(Instant since, String marker) {
    LocalTime from = LocalTime.ofInstant(since, ZoneId.systemDefault());
    return logs().stream().flatMap(String::lines).filter(l -> l.contains(marker) && l.length() > 12).filter(l -> {
      try {
        return !LocalTime.parse(l.substring(0, 12)).isBefore(from);
      } catch (DateTimeParseException e) {
        return false;
      }
    }).count();
  }

  /** A host id that rendezvous hashing places on node {@code i} among the current members. */
  String hostPlacedOn(int i) {
    List<String> members = nodes.stream().map(NamespacedNode::clusterAddress).toList();
    while (true) {
      String host = "host-" + UUID.randomUUID();
      if (RendezvousAssignment.rank(host, members).get(0).equals(members.get(i))) return host;
    }
  }

  /** The index of the node running {@code host}'s entity according to {@code asking}'s /debug/assignments. */
  int holderOf(NamespacedNode asking, String host) throws Exception {
    JsonNode assignments = AdminHttp.json(AdminHttp.get(asking.uri("/debug/assignments")));
    for (JsonNode row : assignments.get("assignments")) {
      if (!row.get("host_session_id").asText().equals(host)) continue;
      for (int i = 0; i < nodes.size(); i++) {
        if (row.get("node").asText().endsWith("@" + nodes.get(i).seed())) return i;
      }
    }
    throw new AssertionError("host " + host + " not in " + assignments);
  }

  @Override
  public void close() {
    nodes.forEach(NamespacedNode::close);
    network.close();
  }
}
