package io.lifeguard.node.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lifeguard.control.auth.BearerCredentials;
import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.http.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/admin/console/stream}: server-sent events for the console, authenticated with an
 * admin bearer credential in the {@code Authorization} header (the page reads it with
 * {@code fetch()}, not EventSource, so the secret never appears in a URL). Every
 * {@code lifeguard.console.stream-interval} it sends one {@code snapshot} event holding the
 * answers of {@code GET /v1/admin/cluster} and {@code GET /v1/admin/fallback} — obtained by running
 * the admin API's own routes in-process with the caller's credential, so the page sees exactly
 * what scripts see — and this node's counter values.
 */
final class ConsoleStream extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ConsoleStream.class);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ConsoleSettings settings;
  private final BearerCredentials admins;
  private final Function<HttpRequest, CompletionStage<HttpResponse>> api;
  private final NodeCounters counters;
  private final NodeInfo info;
  private final AtomicInteger open = new AtomicInteger();

  ConsoleStream(ActorSystem<?> system, ConsoleSettings settings, BearerCredentials admins,
      Function<HttpRequest, CompletionStage<HttpResponse>> api, NodeCounters counters, NodeInfo info) {
    this.system = system;
    this.settings = settings;
    this.admins = admins;
    this.api = api;
    this.counters = counters;
    this.info = info;
  }

  Route routes() {
    return path(PathMatchers.segment("v1").slash("admin").slash("console").slash("stream"), () ->
        get(() -> extractRequest(request -> complete(open(request)))));
  }

  private HttpResponse open(HttpRequest request) {
    Optional<HttpHeader> authorization = request.getHeader("Authorization");
    Optional<String> admin = authorization.flatMap(h -> admins.authenticateHeader(h.value()));
    if (admin.isEmpty()) {
      return Json.error(StatusCodes.UNAUTHORIZED, "unauthorized", "missing or invalid admin bearer credential")
          .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"lifeguard-admin\""));
    }
    if (open.get() >= settings.maxStreams()) {
      return Json.error(StatusCodes.SERVICE_UNAVAILABLE, "too_many_streams",
          "this node already serves " + settings.maxStreams() + " console streams (lifeguard.console.max-streams)");
    }
    HttpHeader credential = authorization.get();
    AtomicLong ids = new AtomicLong();
    Source<ByteString, ?> events = Source.tick(Duration.ZERO, settings.streamInterval(), "tick")
        .mapAsync(1, tick -> snapshot(credential))
        .map(json -> ByteString.fromString("id: " + ids.incrementAndGet() + "\nevent: snapshot\ndata: " + json + "\n\n"))
        .mapMaterializedValue(cancellable -> {
          log.info("console stream opened by admin '{}' ({} open)", admin.get(), open.incrementAndGet());
          return cancellable;
        })
        .watchTermination((cancellable, done) -> {
          done.whenComplete((ok, failure) ->
              log.info("console stream of admin '{}' closed ({} open)", admin.get(), open.decrementAndGet()));
          return cancellable;
        });
    return HttpResponse.create()
        .withEntity(HttpEntities.create(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events))
        .addHeaders(java.util.List.of(RawHeader.create("Cache-Control", "no-store"), RawHeader.create("X-Accel-Buffering", "no")));
  }

  /** One event's JSON: never fails; a failed call is reported in its {@code *_status} and body. */
  private CompletionStage<String> snapshot(HttpHeader credential) {
    CompletionStage<Call> cluster = call("/v1/admin/cluster", credential);
    CompletionStage<Call> fallback = call("/v1/admin/fallback", credential);
    return cluster.thenCombine(fallback, (c, f) -> {
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("at", Instant.now().toString());
      body.put("node", info.name());
      body.put("address", info.clusterAddress());
      body.put("interval_ms", settings.streamInterval().toMillis());
      body.put("cluster_status", c.status());
      body.set("cluster", c.body());
      body.put("fallback_status", f.status());
      body.set("fallback", f.body());
      for (Map.Entry<String, Object> e : counters.read().entrySet()) body.set(e.getKey(), Json.MAPPER.valueToTree(e.getValue()));
      return Json.write(body);
    });
  }

  private record Call(int status, JsonNode body) {}

  private CompletionStage<Call> call(String path, HttpHeader credential) {
    CompletionStage<HttpResponse> response;
    try {
      response = api.apply(HttpRequest.GET(path).addHeader(credential));
    } catch (Exception e) {
      response = CompletableFuture.failedFuture(e);
    }
    Materializer materializer = Materializer.matFromSystem(system);
    return response
        .thenCompose(r -> r.entity().toStrict(CALL_TIMEOUT.toMillis(), materializer)
            .thenApply(strict -> new Call(r.status().intValue(), parse(strict.getData().utf8String()))))
        .toCompletableFuture()
        .completeOnTimeout(new Call(503, error("unavailable", path + " did not answer in time")), CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          log.warn("console snapshot: {} failed", path, failure);
          return new Call(500, error("internal", path + " failed on this node"));
        });
  }

  private static JsonNode parse(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      return error("unreadable", "the admin API answered something that is not JSON");
    }
  }

  private static JsonNode error(String code, String message) {
    return Json.MAPPER.valueToTree(Map.of("error", code, "message", message));
  }
}
