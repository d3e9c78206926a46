package io.lifeguard.node.admin;

import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.session.SessionEntity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The members array of {@code GET /v1/admin/cluster}: this node's membership view joined with
 * every node's own facts and the sharding statistics of the relay-session and host entity types.
 */
final class ClusterView {
  private final ActorSystem<?> system;
  private final ClusterQueries queries;

  ClusterView(ActorSystem<?> system, ClusterQueries queries) {
    this.system = system;
    this.queries = queries;
  }

  CompletionStage<List<Map<String, Object>>> describe() {
    var facts = queries.<NodeAgent.Facts>askAll(NodeAgent.Describe::new);
    var sessions = queries.shardingStats(SessionEntity.ENTITY_KEY);
    var hosts = queries.shardingStats(HostEntity.ENTITY_KEY);
    return facts.thenCompose(f -> sessions.thenCombine(hosts, (s, h) ->
        members(f, Map.of(SessionEntity.ENTITY_KEY.name(), s, HostEntity.ENTITY_KEY.name(), h))));
  }

  private List<Map<String, Object>> members(Map<Address, Optional<NodeAgent.Facts>> facts,
      Map<String, Optional<Map<Address, ShardRegion.ShardRegionStats>>> stats) {
    var state = Cluster.get(system).state();
    List<Map<String, Object>> out = new ArrayList<>();
    List<Member> members = new ArrayList<>();
    state.getMembers().forEach(members::add);
    members.sort(java.util.Comparator.comparing(m -> m.address().toString()));
    for (Member member : members) {
      Address address = member.address();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("address", address.toString());
      Optional<NodeAgent.Facts> own = facts.getOrDefault(address, Optional.empty());
      row.put("node", own.map(NodeAgent.Facts::node).orElse(null));
      TreeSet<String> roles = new TreeSet<>();
      for (String role : member.getRoles()) if (!role.startsWith("dc-")) roles.add(role);
      row.put("roles", roles);
      row.put("status", ClusterMetrics.status(member));
      row.put("reachable", !state.getUnreachable().contains(member));
      row.put("answered", own.isPresent());
      if (own.isPresent()) {
        NodeAgent.Facts f = own.get();
        row.put("uptime_seconds", f.uptimeSeconds());
        row.put("http", f.http());
        Map<String, Object> connections = new LinkedHashMap<>();
        connections.put("relay", f.relayConnections());
        connections.put("bridge", f.bridgeConnections());
        connections.put("bus", f.busConnections());
        row.put("connections", connections);
        row.put("draining", f.draining());
        row.put("degraded", f.degraded() == null ? List.of() : f.degraded());
      } else {
        row.put("error", facts.containsKey(address) ? "node_timeout" : "no_agent_registered");
      }
      Map<String, Object> shards = new LinkedHashMap<>();
      Map<String, Object> entities = new LinkedHashMap<>();
      stats.forEach((type, byRegion) -> {
        if (byRegion.isEmpty()) {
          shards.put(type, null);
          entities.put(type, null);
          return;
        }
        ShardRegion.ShardRegionStats region = byRegion.get().get(address);
        shards.put(type, region == null ? 0 : region.getStats().size());
        entities.put(type, region == null ? 0 : region.getStats().values().stream().mapToInt(v -> ((Number) v).intValue()).sum());
      });
      row.put("shards", shards);
      row.put("entities", entities);
      out.add(row);
    }
    return out;
  }
}
