package io.lifeguard.node.relay;

import io.lifeguard.node.http.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /debug/stats} on the HTTP API port: relay sessions on this node, counts only. The
 * relay WebSocket itself is {@link RelayEdgeRoute} on the edge port.
 */
public final class RelayRoutes extends AllDirectives {
  private final RelayNode node;
  private final RelayEdgeRoute edge;

  RelayRoutes(RelayNode node) {
    this.node = node;
    this.edge = new RelayEdgeRoute(node);
  }

  public RelayNode node() {
    return node;
  }

  /** {@code /ws} on the edge port. */
  public RelayEdgeRoute edgeRoute() {
    return edge;
  }

  /** New relay connections are refused with 503 from now on (node draining). */
  public void refuseNewConnections() {
    edge.refuseNewConnections();
  }

  public Route routes() {
    return pathPrefix("debug", () -> path("stats", () -> get(() -> complete(Json.ok(stats())))));
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
