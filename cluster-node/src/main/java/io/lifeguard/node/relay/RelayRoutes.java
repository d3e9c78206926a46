package io.lifeguard.node.relay;

import io.lifeguard.node.http.Json;
import io.lifeguard.node.websocket.WebSocketUpgrade;
import io.lifeguard.node.websocket.WsIn;
import io.lifeguard.node.websocket.WsOut;
import io.lifeguard.protocol.CloseReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * {@code GET /ws} (the relay WebSocket) and {@code GET /debug/stats}. Limits are answered before the
 * upgrade: 503 when the node holds its maximum of connections or is draining, 429 when the client
 * address exceeds its handshake rate.
 */
public final class RelayRoutes extends AllDirectives {
  private final RelayNode node;
  private volatile boolean refusing;
  private final WebSocketUpgrade.Layers layers;

  RelayRoutes(RelayNode node) {
    this.node = node;
    this.layers = WebSocketUpgrade.layers(node.settings().maxFrameBytes(),
        org.apache.pekko.event.Logging.getLogger(node.system().classicSystem(), "io.lifeguard.relay.websocket"));
  }

  public RelayNode node() {
    return node;
  }

  /** New relay connections are refused with 503 from now on (node draining). */
  public void refuseNewConnections() {
    refusing = true;
  }

  public Route routes() {
    return concat(
        path("ws", () -> get(() -> extractClientIP(ip -> {
          String address = ip.getAddress().map(java.net.InetAddress::getHostAddress).orElse("unknown");
          if (refusing) return complete(Json.error(StatusCodes.SERVICE_UNAVAILABLE, "draining", "node is draining; connect to another node"));
          if (node.registry().size() >= node.settings().maxConnections()) {
            node.metrics().handshakes.labelValues(CloseReason.NODE_FULL.wireName()).inc();
            return complete(Json.error(StatusCodes.SERVICE_UNAVAILABLE, "node_full", "connection limit reached; try another node"));
          }
          if (!node.limiter().tryAcquire(address, System.nanoTime())) {
            node.metrics().handshakes.labelValues(CloseReason.RATE_LIMITED.wireName()).inc();
            return complete(Json.error(StatusCodes.TOO_MANY_REQUESTS, "rate_limited", "too many handshakes from this address"));
          }
          return extractRequest(request -> {
            if (request.getAttribute(AttributeKeys.webSocketUpgrade).isEmpty()) {
              return complete(Json.error(StatusCodes.BAD_REQUEST, "websocket_upgrade_required",
                  "Expected WebSocket Upgrade request"));
            }
            return complete(WebSocketUpgrade.upgrade(request, connectionFlow(address), layers).orElseThrow());
          });
        }))),
        pathPrefix("debug", () -> path("stats", () -> get(() -> complete(Json.ok(stats()))))));
  }

  /**
   * The socket's handler: one {@link RelaySocketStage} driving a {@link RelayConnection}, which is
   * registered when the stage starts and removed when it stops.
   */
  private Flow<WsIn, WsOut, NotUsed> connectionFlow(String clientAddress) {
    return Flow.fromGraph(new RelaySocketStage(node.settings().outboundQueueDepth(), outbound -> {
      RelayConnection connection = new RelayConnection(
          node.registry().nextId(), clientAddress, outbound, node, System.nanoTime());
      node.registry().add(connection);
      return connection;
    }));
  }

  private Map<String, Object> stats() {
    Map<String, Map<String, Object>> sessions = new TreeMap<>();
    int awaiting = 0;
    for (RelayConnection c : node.registry().all()) {
      if (c.sessionId() == null || c.state() != RelayConnection.State.JOINED) {
        awaiting++;
        continue;
      }
      Map<String, Object> s = sessions.computeIfAbsent(c.sessionId(), id -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", id);
        m.put("local_peers", 0);
        m.put("frames_in", 0L);
        m.put("drops", 0L);
        m.put("queued", 0);
        return m;
      });
      s.merge("local_peers", 1, (a, b) -> (Integer) a + (Integer) b);
      s.merge("frames_in", c.framesIn(), (a, b) -> (Long) a + (Long) b);
      s.merge("drops", c.drops(), (a, b) -> (Long) a + (Long) b);
      s.merge("queued", c.queued(), (a, b) -> (Integer) a + (Integer) b);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("connections", node.registry().size());
    body.put("handshaking", awaiting);
    body.put("session_entities_on_node", node.metrics().sessionsActive.get());
    body.put("sessions", new ArrayList<>(sessions.values()));
    return body;
  }

}
