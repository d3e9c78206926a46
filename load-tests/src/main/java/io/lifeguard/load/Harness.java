package io.lifeguard.load;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every scenario shares: the flags, the node(s) under load with their private Redis, token
 * minting, a small pool of HTTP clients (each has one selector thread), and the result line.
 */
final class Harness implements AutoCloseable {
  final Flags flags;
  final String scenario;
  final String runId = "lt" + Long.toString(System.nanoTime() & 0xffffffL, 36);
  final Tokens tokens;
  final Map<String, Object> result = new LinkedHashMap<>();
  private final List<LocalNode> nodes = new ArrayList<>();
  private final LocalRedis redis;
  private final HttpClient[] httpClients;
  private final AtomicInteger nextHttpClient = new AtomicInteger();
  private final ProcessProbe self = ProcessProbe.self();
  private final long startedNanos = System.nanoTime();
  private final long startedSelfTicks;
  private final Path signingJwkFile;
  private final Path recordFile;
  private final boolean record;
  private final long attachPid;
  private final int attachPort;
  private final int attachEdgePort;
  private final String jar;
  private final String classpath;
  private final List<String> jvm;
  private final Duration nodeStartTimeout;
  private final Map<String, String> env = new LinkedHashMap<>();

  Harness(String scenario, Flags flags) {
    this.scenario = scenario;
    this.flags = flags;
    String host = flags.string("host", LocalNode.HOST);
    if (!LocalNode.HOST.equals(host)) {
      throw new IllegalArgumentException("the harness only targets " + LocalNode.HOST + ", not " + host);
    }
    this.signingJwkFile = Path.of(flags.string("signing-jwk-file", "load-tests/target/load-signing.jwk"));
    this.tokens = Tokens.fromFile(signingJwkFile);
    this.record = flags.bool("record");
    this.recordFile = Path.of(flags.string("results-file", "docs/perf/results.jsonl"));
    int pool = flags.integer("http-clients", 2);
    this.httpClients = new HttpClient[pool];
    for (int i = 0; i < pool; i++) httpClients[i] = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.startedSelfTicks = self.cpuTicks();
    result.put("scenario", scenario);
    result.put("run_id", runId);
    result.put("started_at", Instant.now().toString());
    result.put("machine", machine());
    result.put("loadavg_start", ProcessProbe.loadAverage());
    this.attachPid = Long.parseLong(flags.string("node-pid", "0"));
    this.attachPort = flags.integer("node-port", 0);
    this.attachEdgePort = flags.integer("node-edge-port", attachPort + 1);
    this.jar = flags.string("node-jar", "cluster-node/target/lifeguard-node.jar");
    this.classpath = flags.string("node-classpath", "");
    // chaos measures a failover as users get it, so its nodes start with the flags `./lifeguard run`
    // uses; the other scenarios keep the flags their recorded figures were taken with.
    String defaultJvm = scenario.equals("chaos") ? "-XX:+UseSerialGC -Xms64m -Xmx1g" : "-Xms512m -Xmx1g -XX:+UseG1GC";
    this.jvm = Arrays.asList(flags.string("node-jvm-flags", defaultJvm).trim().split("\\s+"));
    this.nodeStartTimeout = flags.duration("node-start-timeout", Duration.ofSeconds(90));
    this.redis = LocalRedis.start();
    env.put("LIFEGUARD_SIGNING_JWK_FILE", signingJwkFile.toAbsolutePath().toString());
    env.put("LIFEGUARD_REDIS_URL", redis.url());
    String nodeEnv = flags.string("node-env", "");
    // Settings that change what is measured (an I/O thread count, say) belong with the figures.
    if (!nodeEnv.isEmpty()) result.put("node_env", nodeEnv);
    for (String pair : nodeEnv.split(",")) {
      if (pair.contains("=")) env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
  }

  /** A LIFEGUARD_* (or LOG_*) setting for the nodes this harness starts, unless --node-env set it. */
  void nodeEnvDefault(String name, String value) {
    env.putIfAbsent(name, value);
  }

  /** Starts {@code count} nodes (the first is the seed of the others) and waits until each is ready. */
  List<LocalNode> startNodes(int count) {
    if (attachPid > 0) {
      if (count != 1) throw new IllegalArgumentException("--node-pid attaches to one node; this scenario needs " + count);
      nodes.add(LocalNode.attach(attachPid, attachPort, attachEdgePort));
    } else {
      List<String> launch = classpath.isEmpty() ? List.of("-jar", jar) : List.of("-cp", classpath, "io.lifeguard.node.Main");
      if (classpath.isEmpty() && !Files.isRegularFile(Path.of(jar))) {
        throw new IllegalArgumentException("node jar " + jar + " not found: build it with mvn -DskipTests package");
      }
      for (int i = 0; i < count; i++) {
        Map<String, String> nodeEnv = new LinkedHashMap<>(env);
        nodeEnv.put("LIFEGUARD_NODE_NAME", "load-" + i);
        nodes.add(LocalNode.start(launch, jvm, nodeEnv, i == 0 ? null : nodes.get(0).seed()));
      }
    }
    for (LocalNode node : nodes) node.awaitReady(nodeStartTimeout);
    result.put("node_jvm_flags", String.join(" ", jvm));
    result.put("nodes", nodes.size());
    return nodes;
  }

  /**
   * Starts one more node with its own JVM flags and extra LIFEGUARD_* settings, waits until it is
   * ready, and returns it; the caller may close it early (the harness closes it at the end too).
   */
  LocalNode startNode(String name, List<String> jvmFlags, Map<String, String> extraEnv) {
    if (attachPid > 0) throw new IllegalArgumentException("this scenario starts its own nodes: drop --node-pid");
    List<String> launch = classpath.isEmpty() ? List.of("-jar", jar) : List.of("-cp", classpath, "io.lifeguard.node.Main");
    if (classpath.isEmpty() && !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalArgumentException("node jar " + jar + " not found: build it with mvn -DskipTests package");
    }
    Map<String, String> nodeEnv = new LinkedHashMap<>(extraEnv);
    nodeEnv.putAll(env);
    nodeEnv.put("LIFEGUARD_NODE_NAME", name);
    LocalNode node = LocalNode.start(launch, jvmFlags, nodeEnv, null);
    nodes.add(node);
    // Which build was measured, for before/after pairs in results.jsonl.
    result.put("node_jar", classpath.isEmpty() ? jar : "classpath");
    return node.awaitReady(nodeStartTimeout);
  }

  LocalRedis redis() {
    return redis;
  }

  HttpClient httpClient() {
    return httpClients[Math.floorMod(nextHttpClient.getAndIncrement(), httpClients.length)];
  }

  URI relayUrl(LocalNode node) {
    return node.ws("/ws");
  }

  /** Prints the human summary and the JSON line; appends the line when {@code --record}. */
  void finish(List<String> summary) {
    long nanos = System.nanoTime() - startedNanos;
    result.put("generator_cpu_pct_of_core_whole_run", ProcessProbe.percentOfOneCore(startedSelfTicks, self.cpuTicks(), nanos));
    result.put("loadavg_end", ProcessProbe.loadAverage());
    result.put("wall_seconds", Math.round(nanos / 1e8) / 10.0);
    System.out.println("== " + scenario + " (" + runId + ") ==");
    for (String line : summary) System.out.println("  " + line);
    String json = JSONObjectUtils.toJSONString(result);
    System.out.println(json);
    if (record) {
      try {
        Files.createDirectories(recordFile.toAbsolutePath().getParent());
        Files.writeString(recordFile, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  ProcessProbe self() {
    return self;
  }

  private static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) m.put("mem_total_mib", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
      }
    } catch (IOException e) {
      m.put("mem_total_mib", -1);
    }
    return m;
  }

  @Override
  public void close() {
    for (LocalNode node : nodes) node.close();
    redis.close();
  }
}
