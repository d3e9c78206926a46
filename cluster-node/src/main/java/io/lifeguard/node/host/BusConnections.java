package io.lifeguard.node.host;

import io.lifeguard.protocol.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host-bus WebSockets open on this node, per host: connection id, role and current
 * subscriptions, for the admin API's host drill-down. Ids and topic names only, never payloads or
 * tokens.
 *
 * <p>Each {@link BusConnection} keeps its own entry: added when its actor starts, replaced on
 * subscribe and unsubscribe, removed when the actor stops. The actor stops on a normal close, a
 * failed stream, a crash and the node's shutdown alike, so the registry never holds more than the
 * sockets that exist. Connection actors write and the node agent reads, from different threads.
 */
public final class BusConnections {

  /** One open socket; {@code subscriptions} are {@code namespace/topic}, sorted. */
  public record Connection(String connectionId, Role role, List<String> subscriptions) {}

  // Writes go through compute() on the host's key, so removing a host's emptied map can never
  // race with another connection of that host being added to it. Reads need no lock: the inner
  // maps are concurrent and a read is a snapshot of the moment.
  private final Map<String, Map<String, Connection>> byHost = new ConcurrentHashMap<>();

  /** Adds or replaces a connection of {@code hostSessionId}. */
  void put(String hostSessionId, Connection connection) {
    byHost.compute(hostSessionId, (host, connections) -> {
      Map<String, Connection> out = connections != null ? connections : new ConcurrentHashMap<>();
      out.put(connection.connectionId(), connection);
      return out;
    });
  }

  /** Forgets a connection; the host's entry goes with its last connection. */
  void remove(String hostSessionId, String connectionId) {
    byHost.computeIfPresent(hostSessionId, (host, connections) -> {
      connections.remove(connectionId);
      return connections.isEmpty() ? null : connections;
    });
  }

  /** The connections of a host open on this node now, by connection id. */
  public List<Connection> of(String hostSessionId) {
    Map<String, Connection> connections = byHost.get(hostSessionId);
    if (connections == null) return List.of();
    List<Connection> out = new ArrayList<>(connections.values());
    out.sort(Comparator.comparing(Connection::connectionId));
    return out;
  }
}
