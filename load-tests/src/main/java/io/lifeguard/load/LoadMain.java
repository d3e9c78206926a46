package io.lifeguard.load;

import io.lifeguard.protocol.token.Ed25519Keys;

/**
 * The load generator's command line: {@code <scenario> [--flag value ...]}, or {@code keygen
 * [kid]} to print a private Ed25519 JWK for the node and the harness to share. Every scenario
 * starts its own node(s) on 127.0.0.1 (or attaches with {@code --node-pid/--node-port}), is
 * bounded in time and count, prints a human summary and one JSON line, and exits 0 when it
 * completed as asked (1 when connections failed or, for soak, a resource kept growing; 2 on bad
 * arguments).
 */
public final class LoadMain {
  private LoadMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command and returns the exit code instead of exiting, for the smoke test. */
  public static int run(String[] args) {
    if (args.length == 0) {
      System.err.println("usage: <idle|fanout|connect-rate|bridge|chaos|soak|edge-bench|edge-fanout|edge-bridge|keygen> [--flag value ...]");
      return 2;
    }
    if (args[0].equals("keygen")) {
      System.out.println(Ed25519Keys.generate(args.length > 1 ? args[1] : "load-key").toJSONString());
      return 0;
    }
    Flags flags;
    try {
      flags = new Flags(args, 1);
    } catch (IllegalArgumentException e) {
      System.err.println("load: " + e.getMessage());
      return 2;
    }
    try (Harness harness = new Harness(args[0], flags)) {
      return switch (args[0]) {
        case "idle" -> IdleScenario.run(harness);
        case "fanout" -> FanoutScenario.run(harness);
        case "connect-rate" -> ConnectRateScenario.run(harness);
        case "bridge" -> BridgeScenario.run(harness);
        case "chaos" -> ChaosScenario.run(harness);
        case "soak" -> SoakScenario.run(harness);
        case "edge-bench" -> EdgeBenchScenario.run(harness);
        case "edge-fanout" -> EdgeFanoutScenario.run(harness);
        case "edge-bridge" -> EdgeBridgeScenario.run(harness);
        default -> {
          System.err.println("load: unknown scenario " + args[0]);
          yield 2;
        }
      };
    } catch (IllegalArgumentException e) {
      System.err.println("load: " + e.getMessage());
      return 2;
    }
  }
}
