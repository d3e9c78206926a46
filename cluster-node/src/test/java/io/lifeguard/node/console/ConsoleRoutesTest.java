package io.lifeguard.node.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The console's HTTP surface on a real node: static files with their content types and security
 * headers, 404 for everything else under {@code /console} including {@code ..} in every encoding
 * (sent byte for byte over a raw socket, so no client normalises them), and the live stream's
 * authentication, event format and stream limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleRoutesTest {
  private static final String ADMIN = "adm-" + UUID.randomUUID();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start(Map.of(
        "lifeguard.redis.url", "",
        "lifeguard.control.admin-tokens", "ops-alice:" + ADMIN,
        "lifeguard.console.stream-interval", "300ms",
        "lifeguard.console.max-streams", 1)).awaitReady();
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void theNodesRootRedirectsToTheConsole() throws Exception {
    HttpResponse<String> root = send("/", null);
    assertEquals(302, root.statusCode(), root.body());
    assertEquals("/console/", root.headers().firstValue("Location").orElse(""));
  }

  @Test
  void servesTheBundledFilesWithTheirTypes() throws Exception {
    HttpResponse<String> redirect = send("/console", null);
    assertEquals(301, redirect.statusCode());
    assertEquals("/console/", redirect.headers().firstValue("Location").orElse(""));
    HttpResponse<String> index = send("/console/", null);
    assertEquals(200, index.statusCode());
    assertEquals("text/html; charset=UTF-8", index.headers().firstValue("Content-Type").orElse(""));
    assertTrue(index.body().contains("<title>Lifeguard console</title>"), index.body());
    assertTrue(index.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
    assertEquals("nosniff", index.headers().firstValue("X-Content-Type-Options").orElse(""));
    for (var file : Map.of("app.js", "text/javascript; charset=UTF-8", "api.js", "text/javascript; charset=UTF-8",
        "charts.js", "text/javascript; charset=UTF-8", "map.js", "text/javascript; charset=UTF-8",
        "dom.js", "text/javascript; charset=UTF-8", "guardrails.js", "text/javascript; charset=UTF-8", "style.css", "text/css; charset=UTF-8", "index.html", "text/html; charset=UTF-8").entrySet()) {
      HttpResponse<String> r = send("/console/" + file.getKey(), null);
      assertEquals(200, r.statusCode(), file.getKey());
      assertEquals(file.getValue(), r.headers().firstValue("Content-Type").orElse(""), file.getKey());
      assertFalse(r.body().isBlank(), file.getKey());
    }
  }

  @Test
  void everythingElseUnderConsoleIsNotFound() throws Exception {
    List<String> paths = List.of("/console/missing.js", "/console/../application.conf", "/console/%2e%2e/application.conf",
        "/console/..%2fapplication.conf", "/console/%2e%2e%2fapplication.conf", "/console/.%2e/.%2e/application.conf",
        "/console/%2E%2E%2F%2E%2E%2Fapplication.conf", "/console/..%5capplication.conf",
        "/console/%252e%252e%252fapplication.conf", "/console/logback.xml", "/console/sub/", "/console/index.html/",
        "/console/Index.html", "/console/app.js%00.html", "/console//etc/passwd", "/console/%2fetc%2fpasswd",
        "/console/../console/../application.conf");
    for (String path : paths) {
      String response = raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      String status = response.lines().findFirst().orElse("");
      assertEquals("HTTP/1.1 404 Not Found", status, path + " -> " + response);
      assertFalse(response.contains("lifeguard {") || response.contains("<configuration") || response.contains("root:"), path);
    }
    // The parser removes dot segments (RFC 3986) before routing: these name index.html itself.
    for (String path : List.of("/console/.", "/console/./index.html", "/console/sub/../index.html")) {
      String response = raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertEquals("HTTP/1.1 200 OK", response.lines().findFirst().orElse(""), path);
      assertTrue(response.contains("<title>Lifeguard console</title>"), path);
    }
    // "/console/.." is "/" after dot-segment removal: the root's redirect back to the console.
    String up = raw("GET /console/.. HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertEquals("HTTP/1.1 302 Found", up.lines().findFirst().orElse(""), up);
    assertTrue(up.contains("Location: /console/"), up);
    // A raw backslash is not a legal request-target: the HTTP parser refuses it before any route.
    String backslash = raw("GET /console/..\\application.conf HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertEquals("HTTP/1.1 400 Bad Request", backslash.lines().findFirst().orElse(""), backslash);
  }

  @Test
  void theStreamNeedsTheAdminCredential() throws Exception {
    for (String header : new String[] {null, "Bearer wrong", "Basic " + ADMIN}) {
      HttpResponse<String> r = send("/v1/admin/console/stream", header);
      assertEquals(401, r.statusCode(), String.valueOf(header));
      assertEquals("Bearer realm=\"lifeguard-admin\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
      assertEquals("unauthorized", Json.MAPPER.readTree(r.body()).get("error").asText());
    }
  }

  @Test
  void theStreamSendsSnapshotsAndIsLimited() throws Exception {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(node.uri("/v1/admin/console/stream"))
        .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    assertEquals("text/event-stream", response.headers().firstValue("Content-Type").orElse(""));
    try (BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      JsonNode first = nextEvent(events, "1");
      assertEquals(200, first.get("cluster_status").asInt(), first.toString());
      assertEquals(1, first.get("cluster").get("members").size());
      assertEquals(node.system().address().toString(), first.get("address").asText());
      assertFalse(first.get("fallback").get("paused").asBoolean());
      assertEquals(300, first.get("interval_ms").asInt());
      for (String counter : NodeCounters.COUNTERS) assertTrue(first.get("counters").has(counter), counter);
      for (String gauge : NodeCounters.GAUGES) assertTrue(first.get("gauges").has(gauge), gauge);
      assertTrue(first.get("outcomes").has("lifeguard_handshakes_total"));
      assertFalse(first.toString().contains(ADMIN), "the credential never appears in an event");
      JsonNode second = nextEvent(events, "2");
      assertTrue(java.time.Instant.parse(second.get("at").asText()).isAfter(java.time.Instant.parse(first.get("at").asText())));

      HttpResponse<String> refused = send("/v1/admin/console/stream", "Bearer " + ADMIN);
      assertEquals(503, refused.statusCode());
      assertEquals("too_many_streams", Json.MAPPER.readTree(refused.body()).get("error").asText());
    }
    // Closing the reader cancels the request; the node then serves a new stream.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int status = 0;
    while (System.nanoTime() < deadline) {
      HttpResponse<InputStream> again = http.send(HttpRequest.newBuilder(node.uri("/v1/admin/console/stream"))
          .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofInputStream());
      status = again.statusCode();
      again.body().close();
      if (status == 200) break;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    assertEquals(200, status, "a closed stream frees its slot");
  }

  private static JsonNode nextEvent(BufferedReader events, String expectedId) throws Exception {
    String id = null;
    String event = null;
    StringBuilder data = new StringBuilder();
    for (String line = events.readLine(); line != null; line = events.readLine()) {
      if (line.isEmpty()) break;
      if (line.startsWith("id: ")) id = line.substring(4);
      if (line.startsWith("event: ")) event = line.substring(7);
      if (line.startsWith("data: ")) data.append(line.substring(6));
    }
    assertEquals(expectedId, id);
    assertEquals("snapshot", event);
    return Json.MAPPER.readTree(data.toString());
  }

  private HttpResponse<String> send(String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(10));
    if (authorization != null) b.header("Authorization", authorization);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
