package io.lifeguard.node.relay;

import io.lifeguard.node.edge.EdgeRequest;
import io.lifeguard.node.edge.EdgeRoute;
import io.lifeguard.node.edge.EdgeUpgrade;
import io.lifeguard.protocol.CloseReason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /ws} on the edge port, the relay WebSocket. Limits are answered before the upgrade:
 * 503 {@code draining} or {@code node_full}, 429 {@code rate_limited}, 400 for a request that is
 * not an upgrade. An accepted socket runs a {@link RelayConnection}, registered until it ends.
 */
public final class RelayEdgeRoute implements EdgeRoute {
  private final RelayNode node;
  private volatile boolean refusing;

  RelayEdgeRoute(RelayNode node) {
    this.node = node;
  }

  void refuseNewConnections() {
    refusing = true;
  }

  @Override
  public boolean matches(List<String> segments) {
    return segments.size() == 1 && segments.get(0).equals("ws");
  }

  @Override
  public CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request) {
    return CompletableFuture.completedFuture(decide(request));
  }

  private EdgeUpgrade decide(EdgeRequest request) {
    if (refusing) return new EdgeUpgrade.Refuse(503, "draining", "node is draining; connect to another node");
    if (node.registry().size() >= node.settings().maxConnections()) {
      node.metrics().handshakes.labelValues(CloseReason.NODE_FULL.wireName()).inc();
      return new EdgeUpgrade.Refuse(503, "node_full", "connection limit reached; try another node");
    }
    if (!node.limiter().tryAcquire(request.clientAddress(), System.nanoTime())) {
      node.metrics().handshakes.labelValues(CloseReason.RATE_LIMITED.wireName()).inc();
      return new EdgeUpgrade.Refuse(429, "rate_limited", "too many handshakes from this address");
    }
    if (!request.isUpgrade()) {
      return new EdgeUpgrade.Refuse(400, "websocket_upgrade_required", "Expected WebSocket Upgrade request");
    }
    String address = request.clientAddress();
    return new EdgeUpgrade.Accept(node.settings().maxFrameBytes(), node.settings().outboundQueueDepth(), outbound -> {
      RelayConnection connection = new RelayConnection(node.registry().nextId(), address, outbound, node, System.nanoTime());
      node.registry().add(connection);
      return connection;
    });
  }
}
