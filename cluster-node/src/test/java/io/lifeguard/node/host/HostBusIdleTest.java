package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP idle timeout no longer covers upgraded sockets (the node's own sweep drops them at the
 * upgrade), so the bus closes a socket without messages itself, after the same timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostBusIdleTest {
  private static final Duration IDLE = Duration.ofSeconds(2);
  private final OctetKeyPair key = Ed25519Keys.generate("bus-idle-key");
  private final TokenSigner signer = new TokenSigner(key);
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start(Map.of(
        "lifeguard.manager.jwks", KeySet.of(key).toPublicJwksJson(),
        "lifeguard.http.idle-timeout", IDLE.toSeconds() + "s")).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void aSilentBusSocketIsClosedNormallyAfterTheIdleTimeout() throws Exception {
    String hostId = "host-" + UUID.randomUUID();
    Instant now = Instant.now();
    String token = signer.sign(new TokenClaims(hostId, Role.HOST, now, now.plusSeconds(240), "test", 0,
        UUID.randomUUID().toString()));
    long started = System.nanoTime();
    BusClient host = BusClient.connect(node.wsUri("/v1/hosts/" + hostId + "/bus?token=" + token));
    int status = host.awaitClosedByServer(IDLE.plusSeconds(10));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(1000, status);
    assertTrue(tookMillis >= IDLE.toMillis() - 500, "closed after " + tookMillis + " ms, before the idle timeout");
  }
}
