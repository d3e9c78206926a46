package io.lifeguard.node.edge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.control.testing.FreePorts;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** An edge server with one route on a free loopback port and two I/O threads, for the edge's own tests. */
record EdgeTestServer(EdgeServer server, int port) {

  static EdgeTestServer start(ActorTestKit kit, EdgeRoute route, String requestTimeout, boolean sessionAffinity) {
    int port = FreePorts.next();
    EdgeSettings settings = EdgeSettings.create(ConfigFactory.parseString(
        "lifeguard.edge { host = \"127.0.0.1\", port = " + port + ", backlog = 128, io-threads = 2,"
            + " max-request-header-bytes = 2048, request-timeout = " + requestTimeout + ", close-timeout = 1s,"
            + " session-affinity = " + (sessionAffinity ? "on" : "off") + " }"));
    EdgeServer server = EdgeServer.start(kit.system(), settings, List.of(route), () -> true, new NodeMetrics());
    assertTrue(server.listening());
    return new EdgeTestServer(server, port);
  }
}
