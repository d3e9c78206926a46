package io.lifeguard.node.host;

import io.lifeguard.node.http.Json;
import io.lifeguard.sharding.assignment.RendezvousAssignment;
import io.lifeguard.sharding.host.HostEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /debug/assignments}: every live host with the node running it and why it is there
 * ({@link RendezvousAssignment#explain}), plus each node's load against the capacity. Built from
 * the sharding statistics of all regions, so any node answers for the whole cluster; 503 {@code
 * unavailable} when the regions do not answer in time.
 */
public final class AssignmentRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final ManagerSettings settings;

  AssignmentRoutes(ActorSystem<?> system, ManagerSettings settings) {
    this.system = system;
    this.settings = settings;
  }

  public Route routes() {
    return pathPrefix("debug", () -> path("assignments", () -> get(() -> {
      Duration timeout = settings.askTimeout();
      var stats = AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
          ClusterSharding.get(system).shardState(),
          replyTo -> new GetClusterShardingStats(HostEntity.ENTITY_KEY, timeout, replyTo),
          timeout.plusSeconds(1),
          system.scheduler());
      return onComplete(stats, result -> result.isSuccess()
          ? complete(Json.ok(describe(result.get())))
          : complete(Json.error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "sharding statistics did not arrive in time")));
    })));
  }

  private Map<String, Object> describe(ShardRegion.ClusterShardingStats stats) {
    int capacity = settings.assignment().capacity();
    Map<String, Integer> load = new TreeMap<>();
    Map<String, String> nodeOf = new TreeMap<>();
    for (Map.Entry<Address, ShardRegion.ShardRegionStats> region : stats.getRegions().entrySet()) {
      String node = region.getKey().toString();
      load.put(node, region.getValue().getStats().size());
      for (String shard : region.getValue().getStats().keySet()) nodeOf.put(shard, node);
    }
    List<Map<String, Object>> assignments = new ArrayList<>();
    for (Map.Entry<String, String> e : nodeOf.entrySet()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("host_session_id", e.getKey());
      row.put("node", e.getValue());
      row.put("reason", RendezvousAssignment.explain(e.getKey(), e.getValue(), load.keySet(), new HashMap<>(load), capacity));
      assignments.add(row);
    }
    List<Map<String, Object>> nodes = new ArrayList<>();
    load.forEach((node, hosts) -> nodes.add(Map.of("node", node, "hosts", hosts, "capacity", capacity)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("strategy", "rendezvous");
    body.put("nodes", nodes);
    body.put("assignments", assignments);
    return body;
  }
}
