package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeStartupTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start().awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(node.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzDescribesTheNode() throws Exception {
    HttpResponse<String> response = get("/healthz");
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    JsonNode body = Json.MAPPER.readTree(response.body());
    assertEquals("ok", body.get("status").asText());
    assertEquals("pekko://lifeguard@127.0.0.1:" + node.clusterPort(), body.get("address").asText());
    assertEquals(3, body.get("roles").size());
    assertTrue(body.has("version"));
    assertTrue(body.get("uptime_seconds").asLong() >= 0);
  }

  @Test
  void readyReportsEveryCheck() throws Exception {
    HttpResponse<String> response = get("/ready");
    assertEquals(200, response.statusCode());
    JsonNode checks = Json.MAPPER.readTree(response.body()).get("checks");
    assertTrue(checks.get("http").asBoolean());
    assertTrue(checks.get("cluster").asBoolean());
    assertTrue(checks.get("journal").asBoolean());
  }

  @Test
  void unknownPathIs404() throws Exception {
    assertEquals(404, get("/no-such-thing").statusCode());
  }

  @Test
  void metricsAreServedInPrometheusTextFormat() throws Exception {
    HttpResponse<String> response = get("/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
  }
}
