package io.lifeguard.node.admin;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code lifeguard_cluster_members{status}} and {@code lifeguard_cluster_unreachable_members}, as
 * this node sees the cluster. Alerts use the latter: anything above 0 for longer than the Split
 * Brain Resolver's stable-after means a node is being (or failed to be) downed.
 */
final class ClusterMetrics {
  private static final String[] ALWAYS = {"up", "joining", "leaving", "exiting", "down"};

  private ClusterMetrics() {}

  static void register(PrometheusRegistry registry, Cluster cluster) {
    GaugeWithCallback.builder()
        .name("lifeguard_cluster_members")
        .help("Cluster members seen by this node, by member status")
        .labelNames("status")
        .callback(cb -> countByStatus(cluster).forEach((status, count) -> cb.call(count, status)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lifeguard_cluster_unreachable_members")
        .help("Cluster members this node's failure detector marks unreachable")
        .callback(cb -> cb.call(cluster.state().getUnreachable().size()))
        .register(registry);
  }

  static String status(Member member) {
    return member.status().toString().toLowerCase(Locale.ROOT).replace("weaklyup", "weakly_up");
  }

  private static Map<String, Integer> countByStatus(Cluster cluster) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String status : ALWAYS) counts.put(status, 0);
    for (Member m : cluster.state().getMembers()) counts.merge(status(m), 1, Integer::sum);
    return counts;
  }
}
