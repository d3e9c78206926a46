package io.lifeguard.node.control;

import io.lifeguard.control.ControlPlane;
import io.lifeguard.control.guardrail.CohortCounters;
import io.lifeguard.control.token.TokenRequest;
import io.lifeguard.node.http.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/admin/guardrails}: the current UTC hour's guardrail counters per cohort, read from
 * Redis, with an admin credential. {@code ?cohort=} reads one cohort; otherwise up to {@code
 * ?limit=} cohorts (default {@value #DEFAULT_LIMIT}, at most {@link CohortCounters#MAX_LIMIT})
 * found with SCAN. 400 for a bad parameter, 401 without a valid admin credential, 503 {@code
 * guardrail_unavailable} (with the Redis status) when Redis is disabled or does not answer.
 */
final class GuardrailRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(GuardrailRoutes.class);
  private static final String REALM = "lifeguard-admin";
  static final int DEFAULT_LIMIT = 100;

  private final ControlPlane plane;

  GuardrailRoutes(ControlPlane plane) {
    this.plane = plane;
  }

  Route routes() {
    return path(PathMatchers.segment("v1").slash("admin").slash("guardrails"), () -> concat(
        get(() -> extractRequest(request -> completeWithFuture(read(request)))),
        extractRequest(r -> complete(HttpEdge.methodNotAllowed("GET")))));
  }

  private CompletionStage<HttpResponse> read(HttpRequest request) {
    if (HttpEdge.authenticate(request, plane.adminCredentials()).isEmpty()) return done(HttpEdge.unauthorized(REALM));
    Optional<String> cohort = request.getUri().query().get("cohort");
    Optional<String> limitParameter = request.getUri().query().get("limit");
    if (cohort.isPresent() && !TokenRequest.COHORT_ID.matcher(cohort.get()).matches()) {
      return done(HttpEdge.badRequest("bad_request", "cohort must match " + TokenRequest.COHORT_ID.pattern()));
    }
    int limit = DEFAULT_LIMIT;
    if (limitParameter.isPresent()) {
      try {
        limit = Integer.parseInt(limitParameter.get());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > CohortCounters.MAX_LIMIT) {
        return done(HttpEdge.badRequest("bad_request", "limit must be an integer from 1 to " + CohortCounters.MAX_LIMIT));
      }
    }
    CohortCounters counters = plane.cohortCounters();
    CompletionStage<CohortCounters.Report> report = cohort.isPresent() ? counters.cohort(cohort.get()) : counters.all(limit);
    int shown = limit;
    return report.thenApply(r -> Json.ok(describe(r, cohort.isPresent() ? null : shown))).exceptionally(GuardrailRoutes::failure);
  }

  private Map<String, Object> describe(CohortCounters.Report report, Integer limit) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("hour", report.hour());
    body.put("hour_start", report.hourStart().toString());
    body.put("threshold", report.threshold());
    body.put("min_sessions", report.minSessions());
    if (limit != null) body.put("limit", limit);
    body.put("truncated", report.truncated());
    List<Map<String, Object>> cohorts = report.cohorts().stream().map(c -> {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("cohort", c.cohort());
      row.put("sessions", c.sessions());
      row.put("activations", c.activations());
      row.put("ratio", c.ratio());
      row.put("soft_breach", c.softBreach());
      return row;
    }).toList();
    body.put("cohorts", cohorts);
    return body;
  }

  private static HttpResponse failure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof CohortCounters.Unavailable unavailable) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", "guardrail_unavailable");
      body.put("message", unavailable.getMessage() + "; per-cohort counters cannot be read");
      body.put("redis", unavailable.redisStatus());
      return Json.response(StatusCodes.SERVICE_UNAVAILABLE, body);
    }
    String correlation = UUID.randomUUID().toString();
    log.error("guardrail read failed (correlation {})", correlation, cause);
    return Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal_error", "internal error, correlation id " + correlation);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
