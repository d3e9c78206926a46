package io.lifeguard.node.health;

import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.http.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /healthz} (liveness: who and what this node is, its dependencies and degraded
 * features) and {@code GET /ready} (readiness: route clients here; 200 also while a feature is
 * degraded, which the body lists).
 */
public final class HealthRoutes extends AllDirectives {
  private final NodeInfo node;
  private final Readiness readiness;

  public HealthRoutes(NodeInfo node, Readiness readiness) {
    this.node = node;
    this.readiness = readiness;
  }

  public Route routes() {
    return concat(
        path("healthz", () -> get(() -> complete(Json.ok(liveness())))),
        path("ready", () -> get(this::ready)));
  }

  private Map<String, Object> liveness() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "ok");
    body.put("node", node.name());
    body.put("address", node.clusterAddress());
    body.put("roles", node.roles().stream().sorted().toList());
    body.put("version", node.version());
    body.put("started_at", node.startedAt().toString());
    body.put("uptime_seconds", node.uptime().toSeconds());
    for (Map.Entry<String, Supplier<Object>> field : node.contributed().entrySet()) {
      body.put(field.getKey(), field.getValue().get());
    }
    body.put("dependencies", readiness.dependencies().statuses());
    body.put("degraded", readiness.dependencies().degraded());
    return body;
  }

  private Route ready() {
    Readiness.Report report = readiness.report();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", report.ready());
    body.put("draining", report.draining());
    body.put("checks", report.checks());
    body.put("degraded", report.degraded());
    return complete(Json.response(report.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body));
  }
}
