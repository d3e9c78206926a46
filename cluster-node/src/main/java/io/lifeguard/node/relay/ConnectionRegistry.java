package io.lifeguard.node.relay;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The relay connections open on this node, by connection id. */
final class ConnectionRegistry {
  private final ConcurrentHashMap<Long, RelayConnection> connections = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  long nextId() {
    return ids.incrementAndGet();
  }

  void add(RelayConnection connection) {
    connections.put(connection.id(), connection);
  }

  void remove(RelayConnection connection) {
    connections.remove(connection.id(), connection);
  }

  RelayConnection get(long id) {
    return connections.get(id);
  }

  int size() {
    return connections.size();
  }

  Collection<RelayConnection> all() {
    return connections.values();
  }
}
