package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The README's first hour hangs together (issue 15): the credentials of "Try it" are the ones the
 * peer example and the local cluster use, the peer example it names exists and defaults to the
 * relay address it gives, and the Redis paragraph does not promise auto-detection. The commands
 * themselves run in LocalClusterScriptTest and PythonRelayPeerExampleTest.
 */
class ReadmeFirstHourTest {
  @Test
  void tryItTheExampleAndTheLocalClusterShareCredentialsAndAddresses() {
    String readme = OpsFiles.read("README.md");
    String peer = OpsFiles.read("examples/relay-peer/peer.py");
    String cluster = OpsFiles.read("ops/local-cluster.sh");
    assertTrue(readme.contains("LIFEGUARD_SERVICE_TOKENS=backend:dev-secret LIFEGUARD_ADMIN_TOKENS=ops:admin-secret ./lifeguard run"));
    assertTrue(readme.contains("python3 examples/relay-peer/peer.py --role host --session demo"), "README runs the peer");
    assertTrue(Files.isExecutable(OpsFiles.resolve("examples/relay-peer/peer.py")));
    assertTrue(peer.contains("\"LIFEGUARD_SERVICE_TOKEN\", \"dev-secret\""), "peer.py mints with the README's service secret");
    assertTrue(peer.contains("\"ws://127.0.0.1:8081/ws\"") && readme.contains("`ws://127.0.0.1:8081/ws`"), "same relay address");
    assertTrue(peer.contains("\"http://127.0.0.1:8080\""), "peer.py asks the README's node for tokens");
    assertTrue(cluster.contains("${LIFEGUARD_ADMIN_TOKENS:-ops:admin-secret}")
        && cluster.contains("${LIFEGUARD_SERVICE_TOKENS:-backend:dev-secret}"), "the local cluster uses the same credentials");
    assertTrue(readme.contains("--http-url http://127.0.0.1:8181 --relay-url ws://127.0.0.1:8281/ws")
        && cluster.contains("LIFEGUARD_LOCAL_HTTP_BASE:-8180") && cluster.contains("LIFEGUARD_LOCAL_EDGE_BASE:-8280"),
        "the README's local-cluster addresses are node 1's");
    assertTrue(readme.contains("it does not look for\none") && readme.contains("under `\"degraded\"`"), "no promise of Redis auto-detection");
  }
}
