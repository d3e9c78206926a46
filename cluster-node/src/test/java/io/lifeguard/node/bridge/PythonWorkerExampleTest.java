package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.RequiredTools;
import io.lifeguard.node.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** examples/worker/worker.py answers a client through the bridge (needs python3 with redis-py). */
class PythonWorkerExampleTest {
  private static final String PYTHON = "/usr/bin/python3";

  private static boolean redisPyAvailable() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import redis").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static Path worker() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("examples/worker/worker.py");
      if (Files.isRegularFile(candidate)) return candidate;
    }
    throw new AssertionError("examples/worker/worker.py not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void workerEchoesThroughTheBridgeAndIssuesTokens() throws Exception {
    RequiredTools.require(redisPyAvailable(), "skipped: " + PYTHON + " cannot import redis (apt-get install -y python3-redis)");
    Path script = worker();
    try (RedisServer server = new RedisServer().start();
        TestNode node = TestNode.start(Map.of("lifeguard.redis.url", server.url())).awaitReady()) {
      Process worker = new ProcessBuilder(PYTHON, script.toString(), "--redis-url", server.url()).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
        String firstLine = CompletableFuture.supplyAsync(() -> {
          try {
            return out.readLine();
          } catch (java.io.IOException e) {
            return null;
          }
        }).get(20, TimeUnit.SECONDS);
        assertEquals("ready", firstLine);

        String session = id("py");
        Process issue = new ProcessBuilder(List.of(PYTHON, script.toString(), "--redis-url", server.url(), "--issue-token", session)).start();
        assertTrue(issue.waitFor(20, TimeUnit.SECONDS));
        String token = new String(issue.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(token.length() >= 32, "token: " + token);

        WsClient client = WsClient.connect(wsUri(node, "agent", session), token);
        client.send("{\"hello\":\"world\"}");
        JsonNode reply = json(client.next());
        assertEquals("echo", reply.get("type").asText());
        assertEquals(session, reply.get("session_id").asText());
        assertEquals("world", reply.get("received").get("hello").asText());
        client.socket.abort();
      } finally {
        worker.destroy();
        worker.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
