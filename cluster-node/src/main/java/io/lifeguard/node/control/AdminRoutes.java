package io.lifeguard.node.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.control.ControlPlane;
import io.lifeguard.control.killswitch.KillSwitch;
import io.lifeguard.node.http.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The operator's kill switch: {@code GET /v1/admin/fallback}, {@code POST /v1/admin/fallback/pause}
 * and {@code /resume}, authenticated with an admin credential (never a service one). A change
 * answers 200 when every node will see it through Redis, 202 when it applied on this node only and
 * waits for Redis (see docs/adr/0001-control-plane-redis-loss.md).
 */
public final class AdminRoutes extends AllDirectives {
  private static final String REALM = "lifeguard-admin";
  private static final int MAX_REASON = 512;

  private final ControlPlane plane;

  public AdminRoutes(ControlPlane plane) {
    this.plane = plane;
  }

  public Route routes() {
    return pathPrefix(PathMatchers.segment("v1").slash("admin").slash("fallback"), () -> concat(
        pathEnd(() -> concat(
            get(() -> extractRequest(request -> complete(status(request)))),
            extractRequest(r -> complete(HttpEdge.methodNotAllowed("GET"))))),
        path("pause", () -> change(true)),
        path("resume", () -> change(false))));
  }

  private Route change(boolean pause) {
    return concat(
        post(() -> extractRequest(request -> extractMaterializer(materializer ->
            completeWithFuture(set(request, materializer, pause))))),
        extractRequest(r -> complete(HttpEdge.methodNotAllowed("POST"))));
  }

  private HttpResponse status(HttpRequest request) {
    if (HttpEdge.authenticate(request, plane.adminCredentials()).isEmpty()) return HttpEdge.unauthorized(REALM);
    return Json.ok(describe(plane.killSwitch().state(), null));
  }

  private CompletionStage<HttpResponse> set(HttpRequest request, Materializer materializer, boolean pause) {
    Optional<String> admin = HttpEdge.authenticate(request, plane.adminCredentials());
    if (admin.isEmpty()) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(HttpEdge.unauthorized(REALM));
    }
    return HttpEdge.readJson(request, materializer).thenCompose(body -> {
      String reason = "";
      if (body instanceof HttpEdge.Body.TooLarge) return CompletableFuture.completedFuture(HttpEdge.tooLarge());
      if (body instanceof HttpEdge.Body.Malformed malformed) {
        return CompletableFuture.completedFuture(HttpEdge.badRequest("bad_request", malformed.message()));
      }
      if (body instanceof HttpEdge.Body.Parsed parsed) {
        JsonNode json = parsed.json();
        try {
          if (!json.isObject()) throw new HttpEdge.FieldError("body must be a JSON object");
          String given = HttpEdge.optionalText(json, "reason", MAX_REASON);
          if (given != null) reason = given;
        } catch (HttpEdge.FieldError e) {
          return CompletableFuture.completedFuture(HttpEdge.badRequest("bad_request", e.getMessage()));
        }
      }
      return plane.killSwitch().set(pause, admin.get(), reason).thenApply(change ->
          Json.response(change.propagated() ? StatusCodes.OK : StatusCodes.ACCEPTED,
              describe(change.state(), change.propagated())));
    });
  }

  private Map<String, Object> describe(KillSwitch.State state, Boolean propagated) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("paused", state.paused());
    body.put("by", state.by());
    body.put("reason", state.reason());
    body.put("since", state.at().toString());
    body.put("decided_on", state.node());
    body.put("origin", state.origin().name().toLowerCase(java.util.Locale.ROOT));
    body.put("redis", plane.redisStatus());
    // One name for one fact in every answer (GET and pause/resume): has the decision reached Redis?
    boolean reached = propagated != null ? propagated : state.propagated();
    body.put("propagated", reached);
    if (!reached) {
      body.put("message", "applied on this node only: Redis is unreachable; it is written to Redis and announced to the other nodes as soon as Redis answers");
    }
    return body;
  }
}
