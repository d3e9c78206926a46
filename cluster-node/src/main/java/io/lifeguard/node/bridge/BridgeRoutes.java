package io.lifeguard.node.bridge;

import io.lifeguard.node.edge.EdgeRoute;
import io.lifeguard.node.http.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The bridge's endpoints: {@code GET /health} on the HTTP API port (200 when this node's bridge
 * reaches Redis, else 503) and the {@code /{agent_id}/ws/{session_id}} upgrade on the edge port
 * ({@link BridgeEdgeRoute}).
 */
public final class BridgeRoutes extends AllDirectives {
  private final Bridge bridge;
  private final BridgeEdgeRoute edge;

  /** {@code bridge} is null when this node does not run the bridge. */
  BridgeRoutes(BridgeSettings settings, Bridge bridge) {
    this.bridge = bridge;
    this.edge = new BridgeEdgeRoute(settings, bridge);
  }

  public Route routes() {
    return path("health", () -> get(() -> completeWithFuture(health())));
  }

  public EdgeRoute edgeRoute() {
    return edge;
  }

  private CompletionStage<HttpResponse> health() {
    Map<String, Object> body = new LinkedHashMap<>();
    if (bridge == null) {
      body.put("status", "unavailable");
      body.put("reason", "bridge_disabled");
      return CompletableFuture.completedFuture(Json.response(StatusCodes.SERVICE_UNAVAILABLE, body));
    }
    CompletableFuture<String> ping;
    try {
      ping = bridge.redis().commands().async().ping().toCompletableFuture();
    } catch (RuntimeException e) {
      ping = CompletableFuture.failedFuture(e);
    }
    return ping.orTimeout(1, TimeUnit.SECONDS).handle((pong, failure) -> {
      boolean redis = failure == null && bridge.redis().connected();
      body.put("status", redis ? "ok" : "unavailable");
      body.put("redis", redis);
      body.put("accepting", bridge.accepting());
      body.put("connections", bridge.limits().open());
      body.put("channels", bridge.redis().channelCount());
      return Json.response(redis ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body);
    });
  }
}
