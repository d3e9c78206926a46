package io.lifeguard.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.control.ControlPlane;
import io.lifeguard.node.http.Json;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.session.SessionEntity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The cluster admin API, authenticated with an admin bearer credential: {@code GET
 * /v1/admin/cluster}, {@code GET /v1/admin/sessions/{id}}, {@code GET /v1/admin/hosts/{id}} and
 * {@code POST /v1/admin/nodes/{node}/drain}. Any node answers for the whole cluster; nodes that do
 * not answer within {@code lifeguard.admin.node-timeout} are reported as such.
 */
final class ClusterAdminRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ClusterAdminRoutes.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final int MAX_BODY = 4096;
  private static final int MAX_REASON = 512;

  private final ActorSystem<?> system;
  private final AdminAuth auth;
  private final ClusterQueries queries;
  private final ClusterView view;
  private final ControlPlane plane;
  private final java.time.Duration askTimeout;

  ClusterAdminRoutes(ActorSystem<?> system, AdminAuth auth, ClusterQueries queries, ControlPlane plane,
      java.time.Duration askTimeout) {
    this.system = system;
    this.auth = auth;
    this.queries = queries;
    this.view = new ClusterView(system, queries);
    this.plane = plane;
    this.askTimeout = askTimeout;
  }

  Route routes() {
    return pathPrefix(PathMatchers.segment("v1").slash("admin"), () -> concat(
        path("cluster", () -> get(() -> authenticated(admin -> completeWithFuture(cluster())))),
        path(PathMatchers.segment("sessions").slash(PathMatchers.segment()), id ->
            get(() -> authenticated(admin -> completeWithFuture(session(id))))),
        path(PathMatchers.segment("hosts").slash(PathMatchers.segment()), id ->
            get(() -> authenticated(admin -> completeWithFuture(host(id))))),
        path(PathMatchers.segment("nodes").slash(PathMatchers.segment()).slash("drain"), node ->
            post(() -> authenticated(admin -> extractRequest(request -> extractMaterializer(mat ->
                completeWithFuture(drain(request, mat, admin, node)))))))));
  }

  private Route authenticated(java.util.function.Function<String, Route> inner) {
    return extractRequest(request -> {
      Optional<String> admin = auth.authenticate(request);
      return admin.isPresent() ? inner.apply(admin.get()) : complete(AdminAuth.unauthorized());
    });
  }

  private CompletionStage<HttpResponse> cluster() {
    return view.describe().thenApply(members -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("self", queries.selfAddress().toString());
      body.put("fallback_paused", plane.fallbackPaused());
      body.put("members", members);
      return Json.ok(body);
    });
  }

  private CompletionStage<HttpResponse> session(String sessionId) {
    if (!ID.matcher(sessionId).matches()) return done(Json.error(StatusCodes.BAD_REQUEST, "invalid_session_id", "session id must match " + ID.pattern()));
    CompletionStage<SessionEntity.Summary> summary = ClusterSharding.get(system)
        .entityRefFor(SessionEntity.ENTITY_KEY, sessionId)
        .ask(SessionEntity.GetSummary::new, askTimeout);
    CompletionStage<Map<Address, Optional<io.lifeguard.node.admin.NodeAgent.SessionPeers>>> peers =
        queries.askAll(replyTo -> new NodeAgent.ListSessionPeers(sessionId, replyTo));
    return summary.thenCombine(peers, (s, byNode) -> {
      List<Map<String, Object>> list = new ArrayList<>();
      List<String> silent = new ArrayList<>();
      for (Address address : ClusterQueries.sorted(byNode.keySet())) {
        Optional<NodeAgent.SessionPeers> answer = byNode.get(address);
        if (answer.isEmpty()) {
          silent.add(address.toString());
          continue;
        }
        for (NodeAgent.Peer p : answer.get().peers()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("peer_id", p.peerId());
          row.put("role", p.role());
          row.put("node", answer.get().node());
          row.put("address", answer.get().address());
          row.put("queue_depth", p.queueDepth());
          row.put("drops", p.drops());
          list.add(row);
        }
      }
      if (s.members() == 0 && list.isEmpty() && !s.closed()) {
        return Json.error(StatusCodes.NOT_FOUND, "session_not_found", "no peers in session " + sessionId);
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("session_id", sessionId);
      body.put("members", s.members());
      body.put("by_role", s.byRole());
      body.put("closed", s.closed());
      body.put("peers", list);
      body.put("nodes_not_answering", silent);
      return Json.ok(body);
    }).exceptionally(ClusterAdminRoutes::failure);
  }

  private CompletionStage<HttpResponse> host(String hostSessionId) {
    if (!ID.matcher(hostSessionId).matches()) return done(Json.error(StatusCodes.BAD_REQUEST, "invalid_host_session_id", "host id must match " + ID.pattern()));
    CompletionStage<HostEntity.HostStatus> entity = ClusterSharding.get(system).entityRefFor(HostEntity.ENTITY_KEY, hostSessionId)
        .askWithStatus(HostEntity.GetStatus::new, askTimeout);
    CompletionStage<Map<Address, Optional<NodeAgent.BusSubscribers>>> bus =
        queries.askAll(replyTo -> new NodeAgent.ListBusSubscribers(hostSessionId, replyTo));
    return entity.thenCombine(bus, (status, byNode) -> {
      BusView busView = busView(byNode);
      if (!status.known() && busView.connections() == 0) {
        // Nothing recorded and nobody attached: the entity asked its shard to passivate it as it
        // answered, so looking keeps nothing running.
        String silent = busView.silent().isEmpty() ? "" : " (" + busView.silent().size() + " node(s) did not answer)";
        return Json.error(StatusCodes.NOT_FOUND, "unknown_host",
            "no lease was ever granted for host " + hostSessionId + " and no bus client is attached" + silent);
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("host_session_id", hostSessionId);
      if (status.lease() == null) {
        body.put("lease", null);
      } else {
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("holder", status.lease().holder());
        lease.put("epoch", status.lease().epoch());
        lease.put("expires_at", status.lease().expiresAt().toString());
        body.put("lease", lease);
      }
      body.put("last_epoch", status.lastEpoch());
      body.put("inflight_actions", status.pending().size());
      body.put("pending_action_ids", status.pending().stream().map(HostEntity.ActionView::actionId).toList());
      body.put("bus", busView.body());
      return Json.ok(body);
    }).exceptionally(ClusterAdminRoutes::failure);
  }

  /** A host's bus connections over the nodes that answered, and the count they add up to. */
  private record BusView(Map<String, Object> body, int connections, List<String> silent) {}

  private static BusView busView(Map<Address, Optional<NodeAgent.BusSubscribers>> byNode) {
    List<Map<String, Object>> subscribers = new ArrayList<>();
    Map<String, Integer> byRole = new java.util.TreeMap<>();
    List<String> silent = new ArrayList<>();
    int connections = 0;
    boolean truncated = false;
    for (Address address : ClusterQueries.sorted(byNode.keySet())) {
      Optional<NodeAgent.BusSubscribers> answer = byNode.get(address);
      if (answer.isEmpty()) {
        silent.add(address.toString());
        continue;
      }
      NodeAgent.BusSubscribers node = answer.get();
      connections += node.total();
      node.byRole().forEach((role, n) -> byRole.merge(role, n, Integer::sum));
      truncated |= node.subscribers().size() < node.total();
      for (NodeAgent.BusSubscriber s : node.subscribers()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("connection_id", s.connectionId());
        row.put("role", s.role());
        row.put("node", node.node());
        row.put("address", node.address());
        row.put("subscriptions", s.subscriptions());
        subscribers.add(row);
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("connections", connections);
    body.put("by_role", byRole);
    body.put("subscribers", subscribers);
    body.put("truncated", truncated);
    body.put("nodes_not_answering", silent);
    return new BusView(body, connections, silent);
  }

  private CompletionStage<HttpResponse> drain(HttpRequest request, Materializer mat, String admin, String node) {
    return reason(request, mat).thenCompose(reason -> {
      if (reason == null) return done(Json.error(StatusCodes.BAD_REQUEST, "bad_request", "body must be empty or {\"reason\": string ≤ " + MAX_REASON + " chars}"));
      return queries.agents().thenCompose(agents -> {
        Address target = null;
        for (Address a : agents.keySet()) {
          if ("self".equals(node) ? a.equals(queries.selfAddress()) : node.equals(a.host().getOrElse(() -> "") + ":" + a.port().getOrElse(() -> -1))) target = a;
        }
        if (target == null) return done(Json.error(StatusCodes.NOT_FOUND, "node_not_found", "no cluster member at " + node + " (use host:port of its cluster address, or self)"));
        MDC.put("reason", reason);
        try {
          log.warn("drain of {} requested by admin '{}' because '{}'", target, admin, reason);
        } finally {
          MDC.remove("reason");
        }
        return org.apache.pekko.actor.typed.javadsl.AskPattern.<NodeAgent.Command, NodeAgent.DrainStarted>ask(
                agents.get(target), replyTo -> new NodeAgent.Drain(admin, reason, replyTo), queries.timeout(), system.scheduler())
            .thenApply(started -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("node", started.node());
              body.put("address", started.address());
              body.put("draining", true);
              body.put("already_draining", started.alreadyDraining());
              body.put("requested_by", admin);
              body.put("reason", reason);
              return Json.response(StatusCodes.ACCEPTED, body);
            });
      });
    }).exceptionally(ClusterAdminRoutes::failure);
  }

  /** The optional {@code reason} of a drain; null when the body is not acceptable. */
  private static CompletionStage<String> reason(HttpRequest request, Materializer mat) {
    return request.entity().withSizeLimit(MAX_BODY).toStrict(5000, mat).thenApply(strict -> {
      byte[] bytes = strict.getData().toArray();
      if (bytes.length == 0) return "";
      try {
        JsonNode json = Json.MAPPER.readTree(bytes);
        if (json == null || !json.isObject()) return null;
        JsonNode reason = json.get("reason");
        if (reason == null || reason.isNull()) return "";
        return reason.isTextual() && reason.textValue().length() <= MAX_REASON ? reason.textValue() : null;
      } catch (java.io.IOException e) {
        return null;
      }
    }).exceptionally(failure -> null);
  }

  private static HttpResponse failure(Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof TimeoutException) {
      return Json.error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the cluster did not answer in time");
    }
    if (cause instanceof StatusReply.ErrorMessage) return Json.error(StatusCodes.BAD_REQUEST, "rejected", cause.getMessage());
    String correlation = java.util.UUID.randomUUID().toString();
    log.error("admin request failed (correlation {})", correlation, cause);
    return Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "internal error, correlation id " + correlation);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
