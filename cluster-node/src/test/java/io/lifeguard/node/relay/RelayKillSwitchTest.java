package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.Role;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The control plane and the relay together, against a real Redis: a token minted by the node's
 * token API opens a relay session; after an operator pauses fallback the relay refuses new
 * handshakes with FALLBACK_PAUSED while sessions already open keep working; resume lets peers in again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayKillSwitchTest {
  private static final String SERVICE = "svc-" + UUID.randomUUID();
  private static final String ADMIN = "adm-" + UUID.randomUUID();
  private final HttpClient http = HttpClient.newHttpClient();
  private RedisServerProcess redis;
  private TestNode node;

  @BeforeAll
  void start() {
    // A private Redis: the kill switch is cluster-wide state, and other suites share 6379.
    redis = RedisServerProcess.start();
    node = TestNode.start(Map.of(
        "lifeguard.redis.url", redis.url(),
        "lifeguard.tokens.signing-jwk", RelayTokens.KEY.toJSONString(),
        "lifeguard.control.service-tokens", "backend:" + SERVICE,
        "lifeguard.control.admin-tokens", "ops:" + ADMIN)).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
    redis.close();
  }

  private HttpResponse<String> post(String path, String bearer, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String mint(String session, String role) throws Exception {
    HttpResponse<String> response = post("/v1/fallback/token", SERVICE, "{\"session_id\":\"" + session
        + "\",\"cohort_id\":\"relay-it\",\"client_version\":\"1.0\",\"role\":\"" + role + "\",\"telemetry_opt_in\":true}");
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body()).get("token").asText();
  }

  @Test
  void aMintedTokenOpensTheRelayUntilAnOperatorPausesFallback() throws Exception {
    String session = "ks-" + UUID.randomUUID();
    RawRelayClient host = RawRelayClient.connect(node.wsUri("/ws"));
    host.hello(session, mint(session, "host"), Role.HOST);
    RawRelayClient guest = RawRelayClient.connect(node.wsUri("/ws"));
    guest.hello(session, mint(session, "participant"), Role.PARTICIPANT);
    String lateToken = mint(session, "participant");
    host.awaitRouteTo(guest);

    HttpResponse<String> paused = post("/v1/admin/fallback/pause", ADMIN, "{\"reason\":\"relay test\"}");
    assertEquals(200, paused.statusCode(), paused.body());

    RawRelayClient late = RawRelayClient.connect(node.wsUri("/ws"));
    late.sendHello(session, lateToken, Role.PARTICIPANT);
    assertEquals(CloseReason.FALLBACK_PAUSED, late.awaitCloseReason());
    JsonNode health = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(node.uri("/healthz")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertTrue(health.get("fallback_paused").asBoolean());
    assertEquals(403, post("/v1/fallback/token", SERVICE, "{\"session_id\":\"x\",\"cohort_id\":\"c\",\"client_version\":\"1\",\"role\":\"host\",\"telemetry_opt_in\":true}").statusCode());

    // The pause stops new handshakes, not sessions already relaying.
    byte[] frame = FrameCodec.encode(io.lifeguard.protocol.Frame.of(FrameKind.DATA, 1, "still relaying".getBytes()));
    host.sendBinary(frame);
    assertEquals(new String(frame), new String(guest.next()));

    assertEquals(200, post("/v1/admin/fallback/resume", ADMIN, "{}").statusCode());
    RawRelayClient again = RawRelayClient.connect(node.wsUri("/ws"));
    again.hello(session, mint(session, "participant"), Role.PARTICIPANT);
    host.close();
    guest.close();
    again.close();
  }
}
