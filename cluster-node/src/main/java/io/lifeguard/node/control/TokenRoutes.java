package io.lifeguard.node.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.control.ControlMetrics.Outcome;
import io.lifeguard.control.ControlPlane;
import io.lifeguard.control.token.TokenOutcome;
import io.lifeguard.control.token.TokenRequest;
import io.lifeguard.node.http.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service-facing token API: {@code POST /v1/fallback/token}, {@code POST /v1/fallback/sessions}
 * and the public key set at {@code GET /.well-known/lifeguard/jwks.json}. The {@link ServiceChannel}
 * says which listener serves these routes and what it demands of callers beyond the bearer
 * credential (403 {@code mtls_required} on the plain port, 403 {@code certificate_mismatch} on the
 * mTLS port); the public key set is never refused.
 */
public final class TokenRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(TokenRoutes.class);
  private static final String REALM = "lifeguard-control";
  private static final long MAX_SESSIONS_PER_REPORT = 100_000;

  private final ControlPlane plane;
  private final ServiceChannel channel;

  TokenRoutes(ControlPlane plane, ServiceChannel channel) {
    this.plane = plane;
    this.channel = channel;
  }

  public Route routes() {
    return concat(
        path(PathMatchers.segment("v1").slash("fallback").slash("token"), () -> concat(
            post(() -> handle(this::token)),
            extractRequest(r -> complete(HttpEdge.methodNotAllowed("POST"))))),
        path(PathMatchers.segment("v1").slash("fallback").slash("sessions"), () -> concat(
            post(() -> handle(this::sessions)),
            extractRequest(r -> complete(HttpEdge.methodNotAllowed("POST"))))),
        path(PathMatchers.segment(".well-known").slash("lifeguard").slash("jwks.json"), () -> concat(
            get(() -> complete(jwks())),
            extractRequest(r -> complete(HttpEdge.methodNotAllowed("GET"))))));
  }

  private interface Handler {
    CompletionStage<HttpResponse> handle(HttpRequest request, Materializer materializer);
  }

  private Route handle(Handler handler) {
    return extractRequest(request -> extractMaterializer(materializer ->
        completeWithFuture(handler.handle(request, materializer))));
  }

  private HttpResponse jwks() {
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, plane.publicJwksJson()))
        .addHeader(RawHeader.create("Cache-Control", "public, max-age=60"));
  }

  /** Who is calling, or the answer that refuses the call (counted when {@code counted}). */
  private sealed interface Caller {
    record Known(String id) implements Caller {}

    record Refused(HttpResponse response) implements Caller {}
  }

  private Caller identify(HttpRequest request, Materializer materializer, boolean counted) {
    Optional<ServiceChannel.Refusal> refusal = channel.admit(request);
    Optional<String> id = Optional.empty();
    if (refusal.isEmpty()) {
      id = HttpEdge.authenticate(request, plane.serviceCredentials());
      refusal = id.isEmpty()
          ? Optional.of(new ServiceChannel.Refusal(Outcome.UNAUTHORIZED, HttpEdge.unauthorized(REALM)))
          : channel.bind(request, id.get());
    }
    if (refusal.isEmpty()) return new Caller.Known(id.get());
    request.discardEntityBytes(materializer);
    if (counted) plane.metrics().request(refusal.get().outcome());
    return new Caller.Refused(refusal.get().response());
  }

  private CompletionStage<HttpResponse> token(HttpRequest request, Materializer materializer) {
    Caller identified = identify(request, materializer, true);
    if (identified instanceof Caller.Refused refused) return CompletableFuture.completedFuture(refused.response());
    String caller = ((Caller.Known) identified).id();
    return HttpEdge.readJson(request, materializer).thenCompose(body -> {
      TokenRequest parsed;
      try {
        parsed = parseToken(body);
      } catch (Refusal refusal) {
        plane.metrics().request(refusal.outcome);
        return CompletableFuture.completedFuture(refusal.response);
      }
      return plane.tokens().issue(parsed, caller).thenApply(TokenRoutes::answer);
    });
  }

  private static TokenRequest parseToken(HttpEdge.Body body) {
    JsonNode json = objectOrRefuse(body);
    try {
      return TokenRequest.validate(
          HttpEdge.text(json, "session_id"),
          HttpEdge.text(json, "cohort_id"),
          HttpEdge.text(json, "client_version"),
          HttpEdge.text(json, "role"),
          HttpEdge.optionalText(json, "entitlement_proof", 8192),
          HttpEdge.bool(json, "telemetry_opt_in"));
    } catch (HttpEdge.FieldError e) {
      throw new Refusal(Outcome.BAD_REQUEST, HttpEdge.badRequest("bad_request", e.getMessage()));
    } catch (TokenRequest.Invalid e) {
      Outcome outcome = "invalid_session".equals(e.code()) ? Outcome.INVALID_SESSION : Outcome.BAD_REQUEST;
      throw new Refusal(outcome, HttpEdge.badRequest(e.code(), e.getMessage()));
    }
  }

  private static JsonNode objectOrRefuse(HttpEdge.Body body) {
    if (body instanceof HttpEdge.Body.Parsed parsed && parsed.json().isObject()) return parsed.json();
    if (body instanceof HttpEdge.Body.TooLarge) throw new Refusal(Outcome.BAD_REQUEST, HttpEdge.tooLarge());
    String message = body instanceof HttpEdge.Body.Malformed malformed ? malformed.message() : "body must be a JSON object";
    throw new Refusal(Outcome.BAD_REQUEST, HttpEdge.badRequest("bad_request", message));
  }

  private static HttpResponse answer(TokenOutcome outcome) {
    if (outcome instanceof TokenOutcome.Issued issued) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("token", issued.token());
      body.put("expires_at", issued.expiresAt().toString());
      body.put("cohort", issued.cohort());
      body.put("guardrail_hint", issued.guardrail().label);
      body.put("feature_bits", issued.featureBits());
      return Json.ok(body).addHeader(RawHeader.create("Cache-Control", "no-store"));
    }
    TokenOutcome.Refused refused = (TokenOutcome.Refused) outcome;
    return Json.error(StatusCodes.get(refused.status()), refused.error(), refused.message());
  }

  private CompletionStage<HttpResponse> sessions(HttpRequest request, Materializer materializer) {
    if (identify(request, materializer, false) instanceof Caller.Refused refused) {
      return CompletableFuture.completedFuture(refused.response());
    }
    return HttpEdge.readJson(request, materializer).thenCompose(body -> {
      String cohort;
      long count;
      try {
        JsonNode json = objectOrRefuse(body);
        cohort = HttpEdge.text(json, "cohort_id");
        if (!TokenRequest.COHORT_ID.matcher(cohort).matches()) {
          throw new HttpEdge.FieldError("cohort_id must match [A-Za-z0-9._:-]{1,64}");
        }
        JsonNode countNode = json.get("count");
        count = countNode == null || countNode.isNull() ? 1 : countNode.canConvertToLong() && countNode.isIntegralNumber() ? countNode.longValue() : -1;
        if (count < 1 || count > MAX_SESSIONS_PER_REPORT) {
          throw new HttpEdge.FieldError("count must be an integer from 1 to " + MAX_SESSIONS_PER_REPORT);
        }
      } catch (Refusal refusal) {
        return CompletableFuture.completedFuture(refusal.response);
      } catch (HttpEdge.FieldError e) {
        return CompletableFuture.completedFuture(HttpEdge.badRequest("bad_request", e.getMessage()));
      }
      return plane.guardrail().recordSessions(cohort, count).handle((counts, failure) -> {
        if (failure != null) {
          log.warn("session count for cohort {} not recorded: {}", cohort, failure.toString());
          return Json.error(StatusCodes.SERVICE_UNAVAILABLE, "guardrail_unavailable",
              "Redis is unreachable; sessions were not counted");
        }
        plane.metrics().sessions(count);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("cohort", cohort);
        answer.put("hour", counts.hour());
        answer.put("bucket", counts.bucket());
        answer.put("sessions", counts.sessions());
        answer.put("activations", counts.activations());
        return Json.response(StatusCodes.ACCEPTED, answer);
      });
    });
  }

  /** A request refused before it reached the control plane. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Outcome outcome;
    final transient HttpResponse response;

    Refusal(Outcome outcome, HttpResponse response) {
      super(null, null, false, false);
      this.outcome = outcome;
      this.response = response;
    }
  }
}
