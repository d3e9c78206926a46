package io.lifeguard.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.lifeguard.protocol.token.Ed25519Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs tiny variants of the idle and fanout scenarios against a real node in a child JVM (started
 * from this module's test classpath, which holds cluster-node), so the harness cannot rot. It
 * checks what happened, never how fast: the figures live in docs/perf/README.md.
 */
class LoadSmokeTest {
  @TempDir Path dir;

  @Test
  void idleHoldsEveryConnectionAndReportsMemoryAndCpu() throws Exception {
    Map<String, Object> result = run("idle", "--connections", "50", "--warmup-connections", "10", "--hold", "2s",
        "--concurrency", "10");
    assertEquals(50L, number(result, "established"));
    assertEquals(0L, number(result, "failures"));
    assertEquals(50L, number(result, "still_connected_after_hold"));
    assertTrue(number(result, "rss_loaded_mib") > 0, "resident set read from /proc");
    // 50 connections are well under a MiB after a full GC, so the heap figure may round to 0;
    // the class histogram proves jcmd reached the node.
    assertTrue(result.containsKey("heap_loaded_mib"), "heap read through jcmd");
    assertTrue(!((java.util.List<?>) result.get("heap_breakdown_per_connection")).isEmpty(), "class histogram read through jcmd");
    assertTrue(result.containsKey("node_cpu_pct_of_core"));
    assertTrue(!((List<?>) result.get("heap_breakdown_per_connection")).isEmpty(), "class histogram diff");
  }

  @Test
  void fanoutDeliversEveryFrameToEveryOtherPeer() throws Exception {
    Map<String, Object> result = run("fanout", "--sessions", "2", "--peers", "3", "--rate", "20", "--duration", "2s",
        "--warmup", "0s", "--bytes", "100");
    assertEquals(6L, number(result, "connected"));
    long sent = number(result, "sent");
    assertTrue(sent > 0, "frames were sent");
    // Each frame reaches the two other peers of its session; loopback with 120 frames/s drops none.
    assertEquals(sent * 2, number(result, "expected_deliveries"));
    assertEquals(sent * 2, number(result, "delivered"));
    @SuppressWarnings("unchecked")
    Map<String, Object> latency = (Map<String, Object>) result.get("latency");
    assertEquals(sent * 2, ((Number) latency.get("count")).longValue());
  }

  @Test
  void edgeBenchOpensHoldsAndHandshakesThroughTheLeanGenerator() throws Exception {
    // No reference peer here (nginx is not a build dependency); the lean Netty generator must
    // complete Lifeguard's full handshake (upgrade, ClientHello with a token, ServerHello). The idle
    // sockets come from two source addresses, as a 100k run's do.
    Map<String, Object> result = run("edge-bench", "--reference", "none", "--connections", "40", "--handshakes", "20",
        "--warmup", "10", "--handshake-warmup", "10", "--hold", "1s", "--source-addresses", "2",
        "--node-flag-sets", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    List<?> rows = (List<?>) result.get("rows");
    assertEquals(1, rows.size());
    @SuppressWarnings("unchecked")
    Map<String, Object> row = (Map<String, Object>) rows.get(0);
    assertEquals("lifeguard", row.get("server"));
    assertEquals(0L, number(row, "warmup_failed"));
    assertEquals(40L, number(row, "idle_opened"));
    assertEquals(0L, number(row, "idle_failed_opens"));
    assertEquals(40L, number(row, "still_open_after_hold"));
    @SuppressWarnings("unchecked")
    Map<String, Object> plan = (Map<String, Object>) result.get("plan");
    assertEquals(2L, number(plan, "source_addresses"));
    assertEquals(0L, number(row, "dropped_while_held"));
    assertEquals(20L, number(row, "handshakes_ok"));
    assertTrue(row.containsKey("cpu_us_per_handshake"), "server CPU per handshake read from /proc");
    assertTrue(row.containsKey("cold_cpu_us_per_handshake"), "the fresh node's first handshakes measured too");
    assertEquals(0L, number(row, "handshake_warmup_failed"));
    assertTrue(number(row, "rss_loaded_mib") > 0, "resident set read from /proc");
    // The hold's per-thread split, threads named from jcmd (not /proc's 15 characters): Pekko's timer
    // wheel wakes every tick, so it shows in any hold.
    @SuppressWarnings("unchecked")
    Map<String, Object> split = (Map<String, Object>) row.get("hold_threads");
    assertTrue(split.containsKey("total"), "per-thread totals over the hold");
    @SuppressWarnings("unchecked")
    Map<String, Object> threads = (Map<String, Object>) split.get("threads");
    assertTrue(threads.keySet().stream().anyMatch(name -> name.startsWith("lifeguard-scheduler-")), "threads named: " + threads.keySet());
    @SuppressWarnings("unchecked")
    Map<String, Object> jit = (Map<String, Object>) split.get("jit");
    assertTrue(jit.containsKey("compiles"), "the JIT's counters over the hold");
  }

  @Test
  void edgeBenchRefusesAnUnknownReference() throws Exception {
    Path key = dir.resolve("key.jwk");
    Files.writeString(key, Ed25519Keys.generate("smoke-key").toJSONString());
    assertEquals(2, LoadMain.run(new String[] {"edge-bench", "--reference", "apache", "--signing-jwk-file", key.toString()}));
  }

  @Test
  void bridgeRoundTripsEveryMessageThroughRedisAndTheEchoWorker() throws Exception {
    Map<String, Object> result = run("bridge", "--sessions", "2", "--peers", "2", "--rate", "5", "--duration", "2s",
        "--warmup", "0s", "--bytes", "100");
    assertEquals(4L, number(result, "connected"));
    assertEquals(0L, number(result, "connect_failures"));
    assertTrue(number(result, "echoed_by_worker") > 0, "the lettuce echo worker answered");
    assertEquals(0.0, ((Number) result.get("loss_ratio")).doubleValue(), "every echo reached both sockets of its session");
  }

  @Test
  void edgeFanoutDeliversEveryFrameToEveryReceiverWithoutGaps() throws Exception {
    // No reference peer (nginx is not a build dependency): the command runs, counts and checks sequences.
    Map<String, Object> result = run("edge-fanout", "--reference", "none", "--sessions", "2", "--peers", "3",
        "--rates", "40", "--duration", "1s", "--warmup", "0s", "--node-flags", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    List<?> rows = (List<?>) result.get("rows");
    assertEquals(1, rows.size());
    @SuppressWarnings("unchecked")
    Map<String, Object> row = (Map<String, Object>) rows.get(0);
    assertEquals(4L, number(row, "receivers_ready"));
    assertEquals(2L, number(row, "senders_ready"));
    @SuppressWarnings("unchecked")
    Map<String, Object> phase = (Map<String, Object>) ((List<?>) row.get("phases")).get(0);
    assertTrue(number(phase, "sent") > 0, "the senders sent");
    assertEquals(number(phase, "sent") * 2, number(phase, "delivered"), "each frame reached both receivers of its session");
    assertEquals(0L, number(phase, "sequence_gaps"));
    assertTrue(phase.containsKey("cpu_us_per_delivery"), "server CPU per delivery read from /proc");
  }

  @Test
  void edgeBridgeHandshakesHoldsAndRoundTripsThroughRedis() throws Exception {
    Map<String, Object> result = run("edge-bridge", "--reference", "none", "--handshakes", "10", "--connections", "10",
        "--sockets", "2", "--rates", "20", "--duration", "1s", "--warmup", "0s",
        "--node-flags", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    @SuppressWarnings("unchecked")
    Map<String, Object> row = (Map<String, Object>) ((List<?>) result.get("rows")).get(0);
    assertEquals(10L, number(row, "handshakes_ok"));
    assertEquals(10L, number(row, "idle_opened"));
    assertEquals(0L, number(row, "idle_failed_opens"));
    assertTrue(number(row, "echoed_by_worker") > 0, "the echo worker answered");
    @SuppressWarnings("unchecked")
    Map<String, Object> phase = (Map<String, Object>) ((List<?>) row.get("message_phases")).get(0);
    assertTrue(number(phase, "sent") > 0, "the sockets sent");
    assertEquals(number(phase, "sent"), number(phase, "delivered"), "every message came back down to its socket");
    assertEquals(0L, number(phase, "sequence_gaps"));
  }

  @Test
  void chaosReconnectsEveryCutPeerThroughTheLeanGenerator() throws Exception {
    Map<String, Object> result = run("chaos", "--sessions", "4", "--rate", "5", "--disconnects-per-second", "4",
        "--duration", "3s", "--recover-timeout", "20s");
    assertEquals(8L, number(result, "peers"));
    assertTrue(number(result, "cuts") > 0, "the proxy cut connections");
    assertEquals(number(result, "disconnects_seen"), number(result, "reconnects"), "every cut peer came back");
    assertEquals(0L, number(result, "clients_gave_up"));
    assertEquals(8L, number(result, "connected_at_end"));
    assertEquals(false, result.get("node_killed"));
  }

  @Test
  void refusesAnyHostButLoopback() {
    assertEquals(2, LoadMain.run(new String[] {"idle", "--host", "10.0.0.1", "--signing-jwk-file", "/nonexistent"}));
  }

  private Map<String, Object> run(String scenario, String... flags) throws Exception {
    Path key = dir.resolve("key.jwk");
    Files.writeString(key, Ed25519Keys.generate("smoke-key").toJSONString());
    Path results = dir.resolve("results.jsonl");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String[] common = {scenario, "--signing-jwk-file", key.toString(), "--node-classpath", classpath,
        "--node-jvm-flags", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1", "--record", "--results-file", results.toString()};
    String[] args = new String[common.length + flags.length];
    System.arraycopy(common, 0, args, 0, common.length);
    System.arraycopy(flags, 0, args, common.length, flags.length);
    assertEquals(0, LoadMain.run(args), scenario + " exit code");
    List<String> lines = Files.readAllLines(results);
    assertEquals(1, lines.size());
    Map<String, Object> result = JSONObjectUtils.parse(lines.get(0));
    assertEquals(scenario, result.get("scenario"));
    return result;
  }

  private static long number(Map<String, Object> json, String key) {
    return ((Number) json.get(key)).longValue();
  }
}
