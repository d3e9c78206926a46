package io.lifeguard.load;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.netty.channel.Channel;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 13's fan-out targets: server CPU per delivered frame, delivery latency and loss, for
 * Lifeguard's relay and nginx + nchan in the same run, with the lean {@link EdgeClients}
 * generator. S sessions (nchan: channels) of P sockets: one sender, P-1 receivers. Senders write
 * {@code --bytes}-byte messages (the relay: 8-byte frame header + payload) at the pace that makes
 * each target rate of deliveries per second ({@code --rates}), for {@code --duration} each, after
 * a {@code --warmup}. Per rate: server CPU ticks over the phase / deliveries, p50/p99 latency from
 * the send timestamp in the payload, and loss from sequence numbers.
 */
final class EdgeFanoutScenario {
  /** Issue 13: server CPU per delivered 100-byte frame at 60k deliveries/s. */
  static final double MAX_US_PER_DELIVERY = 10;
  static final double MAX_P99_MS = 5;
  private static final SecureRandom RANDOM = new SecureRandom();

  private EdgeFanoutScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int sessions = f.integer("sessions", 100);
    int peers = f.integer("peers", 10);
    int bytes = f.integer("bytes", 100);
    RatePhases phases = RatePhases.from(f, "10000,30000,60000");
    NchanPeer.Reference reference = phases.reference();
    f.rejectUnknown();
    if (peers < 2) throw new IllegalArgumentException("--peers must be at least 2 (a sender and a receiver)");
    if (bytes < Payload.MIN_BYTES + FrameCodec.HEADER_LENGTH) {
      throw new IllegalArgumentException("--bytes must be at least " + (Payload.MIN_BYTES + FrameCodec.HEADER_LENGTH));
    }
    Plan plan = new Plan(sessions, peers, bytes, phases.rates(), phases.duration(), phases.warmup(), phases.connectTimeout(),
        phases.clientThreads());
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Object> ref = null;
    if (reference.enabled()) {
      try (NchanPeer peer = reference.start(4096, 15, sessions * peers + 1024)) {
        ref = measure(h, plan, "nchan", peer.version() + ", 1 worker", peer.probe(), nchanSide(peer, bytes));
        rows.add(ref);
      }
    }
    LocalNode node = h.startNode("fanout", phases.jvm(), Map.of("LOG_LEVEL", "INFO", "LIFEGUARD_RELAY_MAX_PEERS", Integer.toString(Math.max(16, peers))));
    try {
      Map<String, Object> row = measure(h, plan, "lifeguard", phases.jvmLabel(), node.probe(), relaySide(h, node, bytes));
      if (ref != null) row.put("ratios_to_reference", ratios(row, ref));
      rows.add(row);
    } finally {
      node.close();
    }
    h.result.put("plan", plan.asMap());
    h.result.put("reference", reference.label());
    h.result.put("rows", rows);
    h.finish(summary(rows, ref));
    return 0;
  }

  record Plan(int sessions, int peers, int bytes, List<Double> rates, Duration duration, Duration warmup, Duration timeout,
      int clientThreads) {
    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sessions", sessions);
      m.put("peers_per_session", peers);
      m.put("bytes_per_message", bytes);
      m.put("target_deliveries_per_second", rates);
      m.put("phase_seconds", duration.toSeconds());
      m.put("warmup_seconds", warmup.toSeconds());
      m.put("client_threads", clientThreads);
      return m;
    }
  }

  /** How one server's sessions are reached. */
  interface Side {
    EdgeClients.Target sender(String session);

    EdgeClients.Target receiver(String session, EdgeClients.FrameSink sink);

    int payloadOffset();

    FanoutTraffic.Encoder encoder();

    /** Frames the server dropped for full outbound queues so far; -1 when it does not say. */
    default java.util.function.LongSupplier drops() {
      return () -> -1;
    }
  }

  private static Side relaySide(Harness h, LocalNode node, int bytes) {
    URI uri = node.ws("/ws");
    return new Side() {
      @Override
      public EdgeClients.Target sender(String session) {
        return new EdgeClients.Target(uri, hello(h, session, Role.HOST));
      }

      @Override
      public EdgeClients.Target receiver(String session, EdgeClients.FrameSink sink) {
        return new EdgeClients.Target(uri, hello(h, session, Role.PARTICIPANT), Map.of(), sink);
      }

      @Override
      public int payloadOffset() {
        return FrameCodec.HEADER_LENGTH;
      }

      @Override
      public java.util.function.LongSupplier drops() {
        return () -> (long) node.metric("lifeguard_flow_control_drops_total");
      }

      @Override
      public FanoutTraffic.Encoder encoder() {
        return (seq, payload) -> FanoutTraffic.binary(FrameCodec.encode(Frame.of(FrameKind.DATA, seq & Frame.MAX_SEQ, payload)));
      }
    };
  }

  static byte[] hello(Harness h, String session, Role role) {
    byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
    RANDOM.nextBytes(nonce);
    return HelloCodec.encodeClientHello(new ClientHello(session, h.tokens.mint(session, role), nonce, 1, Compression.NONE, role));
  }

  private static Side nchanSide(NchanPeer peer, int bytes) {
    return new Side() {
      @Override
      public EdgeClients.Target sender(String session) {
        return new EdgeClients.Target(peer.publisher(session), null);
      }

      @Override
      public EdgeClients.Target receiver(String session, EdgeClients.FrameSink sink) {
        return new EdgeClients.Target(peer.subscriber(session), null, Map.of(), sink);
      }

      @Override
      public int payloadOffset() {
        return 0;
      }

      @Override
      public FanoutTraffic.Encoder encoder() {
        return (seq, payload) -> FanoutTraffic.text(payload);
      }
    };
  }

  private static Map<String, Object> measure(Harness h, Plan p, String name, String variant, ProcessProbe probe, Side side) {
    java.util.function.LongSupplier drops = side.drops();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("server", name);
    row.put("variant", variant);
    row.put("loadavg_before", ProcessProbe.loadAverage());
    String prefix = h.runId + name.charAt(0) + Long.toString(System.nanoTime() & 0xfffff, 36);
    int fanout = p.peers() - 1;
    // The relay's payload sits behind its frame header, so the wire message is --bytes either way.
    int payloadBytes = p.bytes() - side.payloadOffset();
    try (EdgeClients clients = new EdgeClients(p.clientThreads());
        FanoutTraffic traffic = new FanoutTraffic(payloadBytes, side.payloadOffset(), side.encoder())) {
      // Receivers first, so each sender's join sees every receiver of its session.
      List<EdgeClients.Target> receivers = new ArrayList<>();
      for (int s = 0; s < p.sessions(); s++) {
        for (int k = 0; k < fanout; k++) receivers.add(side.receiver(prefix + "-s" + s, traffic.receiver()));
      }
      clients.openAll(receivers, 64, p.timeout());
      List<Channel> senders = new ArrayList<>();
      for (int s = 0; s < p.sessions(); s++) {
        clients.open(side.sender(prefix + "-s" + s), p.timeout()).thenAccept(senders::add).exceptionally(e -> null).join();
      }
      for (Channel ch : senders) traffic.addSender(ch);
      row.put("receivers_ready", clients.ready.sum() - senders.size());
      row.put("senders_ready", senders.size());
      row.put("open_outcomes", clients.outcomeCounts());
      if (clients.failed.sum() > 0) throw new IllegalStateException(name + ": " + clients.failed.sum() + " sockets failed to open: " + clients.outcomeCounts());
      EdgeBenchScenario.pause(Duration.ofSeconds(1));
      double firstRate = p.rates().get(0);
      if (!p.warmup().isZero()) {
        FanoutTraffic.Phase warm = traffic.run(firstRate / fanout, fanout, p.warmup(), Duration.ofSeconds(5), probe, h.self(), false);
        row.put("warmup_lost", Math.max(0, warm.expected() - warm.delivered()));
      }
      List<Map<String, Object>> phases = new ArrayList<>();
      for (double rate : p.rates()) {
        long drops0 = drops.getAsLong();
        FanoutTraffic.Phase phase = traffic.run(rate / fanout, fanout, p.duration(), Duration.ofSeconds(5), probe, h.self(), true);
        Map<String, Object> m = phase.asMap(rate);
        // A gap is seen at the receiver's next frame; the server's own count says where frames went.
        if (drops0 >= 0) m.put("server_flow_control_drops", drops.getAsLong() - drops0);
        System.out.println("  " + name + " @" + Math.round(rate) + "/s: " + m);
        phases.add(m);
      }
      row.put("phases", phases);
      row.put("dropped_while_held", clients.droppedWhileHeld.sum());
    }
    row.put("loadavg_after", ProcessProbe.loadAverage());
    return row;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> phases(Map<String, Object> row) {
    return (List<Map<String, Object>>) row.get("phases");
  }

  private static Map<String, Object> ratios(Map<String, Object> row, Map<String, Object> ref) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> mine = phases(row);
    List<Map<String, Object>> theirs = phases(ref);
    for (int i = 0; i < Math.min(mine.size(), theirs.size()); i++) {
      double a = EdgeBenchReport.number(mine.get(i), "cpu_us_per_delivery");
      double b = EdgeBenchReport.number(theirs.get(i), "cpu_us_per_delivery");
      out.put("cpu_us_per_delivery@" + mine.get(i).get("target_deliveries_per_second"), b > 0 ? EdgeBenchScenario.round(a / b, 2) : null);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<String> summary(List<Map<String, Object>> rows, Map<String, Object> ref) {
    List<String> out = new ArrayList<>();
    out.add(String.format("%-10s %9s %9s %8s %8s %8s %9s %9s %7s %7s %7s %6s", "server", "target/s", "got/s", "us/dlv",
        "srv %", "gen %", "p50 ms", "p99 ms", "lost", "gaps", "drops", "load"));
    for (Map<String, Object> r : rows) {
      for (Map<String, Object> ph : phases(r)) {
        Map<String, Object> lat = (Map<String, Object>) ph.get("latency");
        out.add(String.format("%-10s %9d %9d %8.2f %8.1f %8.1f %9.2f %9.2f %7d %7d %7s %6s", r.get("server"),
            (long) EdgeBenchReport.number(ph, "target_deliveries_per_second"), (long) EdgeBenchReport.number(ph, "deliveries_per_second"),
            EdgeBenchReport.number(ph, "cpu_us_per_delivery"), EdgeBenchReport.number(ph, "server_cpu_pct_of_core"),
            EdgeBenchReport.number(ph, "generator_cpu_pct_of_core"), EdgeBenchReport.number(lat, "p50_ms"),
            EdgeBenchReport.number(lat, "p99_ms"), (long) EdgeBenchReport.number(ph, "lost"),
            (long) EdgeBenchReport.number(ph, "sequence_gaps"),
            ph.containsKey("server_flow_control_drops") ? ph.get("server_flow_control_drops").toString() : "-",
            String.valueOf(ph.get("loadavg")).split(" ")[0]));
      }
    }
    if (ref != null) {
      for (Map<String, Object> r : rows) {
        if (r.containsKey("ratios_to_reference")) out.add("ratio Lifeguard / nchan, CPU per delivery: " + r.get("ratios_to_reference"));
      }
    }
    for (Map<String, Object> r : rows) {
      if (!"lifeguard".equals(r.get("server"))) continue;
      Map<String, String> v = new LinkedHashMap<>();
      for (Map<String, Object> ph : phases(r)) {
        long target = (long) EdgeBenchReport.number(ph, "target_deliveries_per_second");
        double us = EdgeBenchReport.number(ph, "cpu_us_per_delivery");
        double p99 = EdgeBenchReport.number((Map<String, Object>) ph.get("latency"), "p99_ms");
        // Two views of the same loss (missing count, missing sequence numbers): the larger one.
        long lost = Math.max((long) EdgeBenchReport.number(ph, "lost"), (long) EdgeBenchReport.number(ph, "sequence_gaps"));
        if (target == 60_000) v.put("cpu/delivery <= 10us @60k", verdict(us <= MAX_US_PER_DELIVERY, us + "us"));
        if (target == 30_000) v.put("p99 <= 5ms @30k", verdict(p99 <= MAX_P99_MS, p99 + "ms"));
        v.put("no loss @" + target, verdict(lost == 0, lost + " lost"));
      }
      out.add("issue 13 targets: " + v);
    }
    return out;
  }

  static String verdict(boolean met, String figure) {
    return (met ? "met " : "NOT met ") + figure;
  }
}
