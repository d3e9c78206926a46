package io.lifeguard.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lifeguard.sharding.persistence.JournalSchema;
import io.lifeguard.sharding.session.PeerMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads application.conf and derives the Pekko settings that follow from {@code lifeguard.*}: the
 * Artery address, seed nodes, roles and the journal's database. Keeping the derivation here means
 * operators set one key (say LIFEGUARD_JDBC_URL) and every Pekko plugin follows it.
 */
public final class NodeConfig {
  private NodeConfig() {}

  /** The loaded configuration with its derived Pekko settings, and the validated node settings. */
  public record Loaded(Config config, NodeSettings settings) {}

  /** Loads from the classpath and environment. */
  public static Loaded load() {
    return derive(ConfigFactory.load());
  }

  /** Derives from an already-loaded config (tests pass overrides layered over the defaults). */
  public static Loaded derive(Config base) {
    NodeSettings settings = NodeSettings.create(base);
    Map<String, Object> derived = new HashMap<>();
    NodeSettings.Cluster cluster = settings.cluster();
    derived.put("pekko.remote.artery.canonical.hostname", cluster.host());
    derived.put("pekko.remote.artery.canonical.port", cluster.port());
    derived.put("pekko.cluster.roles", new ArrayList<>(cluster.roles()));
    List<String> seeds = new ArrayList<>();
    for (String seed : cluster.seedNodes()) seeds.add("pekko://lifeguard@" + seed);
    // Without seeds and without bootstrap the node is its own seed: Pekko then joins itself at once
    // instead of logging that it relies on Cluster Bootstrap (which is off).
    if (seeds.isEmpty() && !base.getBoolean("lifeguard.cluster.bootstrap")) {
      seeds.add("pekko://lifeguard@" + cluster.host() + ":" + cluster.port());
    }
    derived.put("pekko.cluster.seed-nodes", seeds);
    // Rolling updates (and the "version [...]" of Pekko's join lines) read the application version.
    String version = io.lifeguard.node.NodeInfo.projectVersion();
    if (version.matches("[0-9][0-9A-Za-z.+-]*")) derived.put("pekko.cluster.app-version", version);

    NodeSettings.Jdbc jdbc = settings.jdbc();
    JournalSchema.Dialect dialect = JournalSchema.Dialect.of(jdbc.url());
    String db = "pekko-persistence-jdbc.shared-databases.lifeguard";
    derived.put(db + ".profile", dialect.slickProfile);
    derived.put(db + ".db.url", jdbc.url());
    derived.put(db + ".db.user", jdbc.user());
    derived.put(db + ".db.password", jdbc.password());
    derived.put(db + ".db.driver", dialect.driver);

    // Older nodes read cross-node frames only as Jackson CBOR (lifeguard.relay.cross-node-frames).
    if (!io.lifeguard.node.relay.RelaySettings.compactCrossNodeFrames(base)) {
      derived.put("pekko.actor.serialization-bindings.\"" + PeerMessage.Deliver.class.getName() + "\"", "jackson-cbor");
    }

    Config config = ConfigFactory.parseMap(derived, "derived from lifeguard.*").withFallback(base).resolve();
    return new Loaded(config, settings);
  }

  /** Layers test or launcher overrides (key to value) over the classpath defaults. */
  public static Loaded withOverrides(Map<String, ?> overrides) {
    Config base = ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load());
    return derive(base);
  }
}
