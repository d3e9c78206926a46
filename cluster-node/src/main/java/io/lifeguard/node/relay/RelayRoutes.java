package io.lifeguard.node.relay;

import io.lifeguard.node.http.Json;
import io.lifeguard.node.websocket.WebSocketUpgrade;
import io.lifeguard.node.websocket.WsIn;
import io.lifeguard.node.websocket.WsOut;
import io.lifeguard.protocol.CloseReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code GET /ws} (the relay WebSocket) and {@code GET /debug/stats}. Limits are answered before the
 * upgrade: 503 when the node holds its maximum of connections or is draining, 429 when the client
 * address exceeds its handshake rate.
 */
public final class RelayRoutes extends AllDirectives {
  private final RelayNode node;
  private final Materializer materializer;
  private volatile boolean refusing;
  private final org.apache.pekko.event.LoggingAdapter log;

  RelayRoutes(RelayNode node) {
    this.node = node;
    this.materializer = Materializer.matFromSystem(node.system());
    this.log = org.apache.pekko.event.Logging.getLogger(node.system().classicSystem(), "io.lifeguard.relay.websocket");
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
            return complete(WebSocketUpgrade.upgrade(request, connectionFlow(address), node.settings().maxFrameBytes(),
                log).orElseThrow());
          });
        }))),
        pathPrefix("debug", () -> path("stats", () -> get(() -> complete(Json.ok(stats()))))));
  }

  private Flow<WsIn, WsOut, NotUsed> connectionFlow(String clientAddress) {
    Pair<BoundedSourceQueue<WsOut>, Source<WsOut, NotUsed>> outbound =
        Source.<WsOut>queue(node.settings().outboundQueueDepth()).preMaterialize(materializer);
    RelayConnection connection = new RelayConnection(
        node.registry().nextId(), clientAddress, outbound.first(), node, System.nanoTime());
    node.registry().add(connection);
    Sink<WsIn, NotUsed> inbound = Flow.<WsIn>create()
        .mapAsync(1, message -> handle(connection, message))
        .to(Sink.ignore());
    return Flow.fromSinkAndSourceCoupled(inbound, outbound.second())
        .watchTermination((mat, done) -> {
          done.whenComplete((d, failure) -> connection.terminated());
          return NotUsed.getInstance();
        });
  }

  private static final CompletionStage<Done> PING_IGNORED = java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());

  private static CompletionStage<Done> handle(RelayConnection connection, WsIn message) {
    if (message instanceof WsIn.Binary binary) return connection.onMessage(binary.data());
    if (message instanceof WsIn.Text) return connection.onText();
    // Relay liveness is the protocol's own HEARTBEAT frame; WebSocket pings are answered and ignored.
    if (message instanceof WsIn.Ping) return PING_IGNORED;
    return connection.onOversized();
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
