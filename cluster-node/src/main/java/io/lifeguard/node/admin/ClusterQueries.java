package io.lifeguard.node.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Cluster-wide questions behind the admin API. Every node's {@link NodeAgent} is asked in
 * parallel with the same timeout; a node that does not answer in time is an empty answer, so one
 * dead or partitioned node never holds up the reply.
 */
final class ClusterQueries {
  private final ActorSystem<?> system;
  private final Duration timeout;

  ClusterQueries(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  Duration timeout() {
    return timeout;
  }

  Address selfAddress() {
    return Cluster.get(system).selfMember().address();
  }

  /** Agents by the cluster address of their node (the Receptionist's view, eventually consistent). */
  CompletionStage<Map<Address, ActorRef<NodeAgent.Command>>> agents() {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            replyTo -> Receptionist.find(NodeAgent.SERVICE_KEY, replyTo), timeout, system.scheduler())
        .thenApply(listing -> {
          Map<Address, ActorRef<NodeAgent.Command>> byAddress = new HashMap<>();
          Set<ActorRef<NodeAgent.Command>> refs = listing.getServiceInstances(NodeAgent.SERVICE_KEY);
          for (ActorRef<NodeAgent.Command> ref : refs) byAddress.put(addressOf(ref), ref);
          return byAddress;
        });
  }

  /** Asks every agent; the map holds every agent's address, empty where it did not answer in time. */
  <T> CompletionStage<Map<Address, Optional<T>>> askAll(Function<ActorRef<T>, NodeAgent.Command> message) {
    return agents().thenCompose(agents -> {
      Map<Address, CompletableFuture<Optional<T>>> answers = new HashMap<>();
      agents.forEach((address, agent) -> answers.put(address,
          AskPattern.<NodeAgent.Command, T>ask(agent, message::apply, timeout, system.scheduler())
              .toCompletableFuture()
              .thenApply(Optional::of)
              .exceptionally(failure -> Optional.empty())));
      return CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
        Map<Address, Optional<T>> out = new HashMap<>();
        answers.forEach((address, answer) -> out.put(address, answer.join()));
        return out;
      });
    });
  }

  /** Shards and entities per node for one entity type; empty when the regions did not answer. */
  CompletionStage<Optional<Map<Address, ShardRegion.ShardRegionStats>>> shardingStats(EntityTypeKey<?> key) {
    return AskPattern.<ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
            ClusterSharding.get(system).shardState(),
            replyTo -> new GetClusterShardingStats(key, timeout, replyTo),
            timeout.plusSeconds(1), system.scheduler())
        .thenApply(stats -> Optional.of(stats.getRegions()))
        .exceptionally(failure -> Optional.empty());
  }

  /** The addresses of agents in a stable order (for deterministic output). */
  static List<Address> sorted(Set<Address> addresses) {
    List<Address> out = new ArrayList<>(addresses);
    out.sort(java.util.Comparator.comparing(Address::toString));
    return out;
  }

  private Address addressOf(ActorRef<?> ref) {
    Address address = ref.path().address();
    return address.hasGlobalScope() ? address : selfAddress();
  }
}
