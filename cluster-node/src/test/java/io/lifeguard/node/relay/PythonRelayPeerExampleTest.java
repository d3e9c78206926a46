package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.RequiredTools;
import io.lifeguard.node.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * examples/relay-peer/peer.py, the README's first relay exchange: a host peer in echo mode and a
 * participant that says hello, both minting their tokens from the node's token API, exchange
 * frames through a real node (needs /usr/bin/python3 with python3-websockets).
 */
class PythonRelayPeerExampleTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static boolean websocketsAvailable() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import websockets").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static Path peerScript() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("examples/relay-peer/peer.py");
      if (Files.isRegularFile(candidate)) return candidate;
    }
    throw new AssertionError("examples/relay-peer/peer.py not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void twoPythonPeersExchangeTextThroughTheRelay() throws Exception {
    RequiredTools.require(websocketsAvailable(),
        "skipped: " + PYTHON + " cannot import websockets (apt-get install -y python3-websockets)");
    String session = "py-" + UUID.randomUUID();
    try (TestNode node = TestNode.start(Map.of(
        "lifeguard.redis.url", "",
        "lifeguard.control.service-tokens", "backend:dev-secret",
        "lifeguard.control.admin-tokens", "ops:admin-secret")).awaitReady()) {
      List<String> common = List.of(PYTHON, peerScript().toString(),
          "--relay-url", node.wsUri("/ws").toString(), "--http-url", node.uri("").toString(),
          "--service-token", "dev-secret", "--session", session);
      List<String> hostCommand = new ArrayList<>(common);
      hostCommand.addAll(List.of("--role", "host", "--echo", "--timeout", "60"));
      Process host = new ProcessBuilder(hostCommand).redirectErrorStream(true).start();
      try {
        BufferedReader hostOut = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        String joined = CompletableFuture.supplyAsync(() -> readLine(hostOut)).get(20, TimeUnit.SECONDS);
        assertTrue(joined != null && joined.startsWith("joined session " + session + " as host"), "host said: " + joined);

        // The console's session drill-down shows the host peer the example opened.
        var drill = Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(node.uri("/v1/admin/sessions/" + session))
            .header("Authorization", "Bearer admin-secret").build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(1, drill.get("by_role").get("host").asInt(), drill.toString());

        List<String> participantCommand = new ArrayList<>(common);
        participantCommand.addAll(List.of("--role", "participant", "--say", "hello from python", "--timeout", "20"));
        long started = System.nanoTime();
        Process participant = new ProcessBuilder(participantCommand).redirectErrorStream(true).start();
        assertTrue(participant.waitFor(30, TimeUnit.SECONDS), "participant finished");
        String said = new String(participant.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.printf("python participant: joined, said hello and heard the echo in %d ms%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(0, participant.exitValue(), said);
        assertTrue(said.contains("joined session " + session + " as participant"), said);
        assertTrue(said.contains("< echo: hello from python"), said);
        String heard = CompletableFuture.supplyAsync(() -> readLine(hostOut)).get(10, TimeUnit.SECONDS);
        assertEquals("< hello from python", heard);
      } finally {
        host.destroy();
        host.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aRefusedTokenRequestExitsNonZeroWithTheAnswer() throws Exception {
    RequiredTools.require(websocketsAvailable(),
        "skipped: " + PYTHON + " cannot import websockets (apt-get install -y python3-websockets)");
    try (TestNode node = TestNode.start(Map.of("lifeguard.redis.url", "",
        "lifeguard.control.service-tokens", "backend:dev-secret")).awaitReady()) {
      Process peer = new ProcessBuilder(PYTHON, peerScript().toString(), "--relay-url", node.wsUri("/ws").toString(),
          "--http-url", node.uri("").toString(), "--service-token", "wrong", "--say", "x", "--timeout", "10")
          .redirectErrorStream(true).start();
      assertTrue(peer.waitFor(20, TimeUnit.SECONDS));
      String out = new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(1, peer.exitValue(), out);
      assertTrue(out.contains("token request refused: 401"), out);
    }
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
