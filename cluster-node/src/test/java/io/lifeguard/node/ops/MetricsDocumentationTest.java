package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/metrics.md lists every metric a node exports, and every metric the sources register. */
class MetricsDocumentationTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);
  private static final Pattern REGISTRATION = Pattern.compile("\\.name\\(\"(lifeguard_[a-z0-9_]+)\"\\)");

  @Test
  void everyScrapedMetricIsDocumented() throws Exception {
    OctetKeyPair key = Ed25519Keys.generate("metrics-doc");
    String scrape;
    try (TestNode node = TestNode.start(Map.of("lifeguard.tokens.signing-jwk", key.toJSONString())).awaitReady()) {
      // One good and one refused handshake, so labelled counters have series to export.
      String session = "s-metrics-" + UUID.randomUUID();
      handshake(node, session, token(key, session), 10);
      handshake(node, session, token(Ed25519Keys.generate("metrics-doc"), session), 10);
      scrape = awaitScrapeContaining(node, "lifeguard_relay_closes_total");
    }
    Set<String> exported = new TreeSet<>();
    Matcher m = TYPE_LINE.matcher(scrape);
    while (m.find()) {
      String name = m.group(1);
      if (m.group(2).equals("counter") && !name.endsWith("_total")) name += "_total";
      exported.add(name);
    }
    assertTrue(exported.contains("lifeguard_handshakes_total"), "handshake counter exported: " + exported);
    assertTrue(exported.size() >= 10, "scrape parsed: " + exported);
    Set<String> missing = new TreeSet<>(exported);
    missing.removeAll(OpsFiles.documentedMetrics());
    assertEquals(Set.of(), missing, "exported by /metrics but not documented in docs/metrics.md");
  }

  @Test
  void everyRegisteredMetricInTheSourcesIsDocumented() throws IOException {
    Set<String> registered = new TreeSet<>();
    try (Stream<Path> files = Files.walk(OpsFiles.root())) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")
          && !p.toString().contains("/target/")).toList()) {
        Matcher m = REGISTRATION.matcher(Files.readString(file));
        while (m.find()) registered.add(m.group(1));
      }
    }
    assertTrue(registered.contains("lifeguard_flow_control_drops_total"), "source scan works: " + registered);
    Set<String> missing = new TreeSet<>(registered);
    missing.removeAll(OpsFiles.documentedMetrics());
    assertEquals(Set.of(), missing, "registered in the sources but not documented in docs/metrics.md");
  }

  private static String token(OctetKeyPair key, String session) {
    Instant now = Instant.now();
    return new TokenSigner(key).sign(new TokenClaims(session, Role.HOST, now,
        now.plus(Duration.ofMinutes(4)), "c", FeatureBits.FALLBACK_AUTHORIZED, UUID.randomUUID().toString()));
  }

  /** Connects, sends a ClientHello with {@code token} and waits for the first reply or close. */
  private static void handshake(TestNode node, String session, String token, int seconds) {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    WebSocket.Listener listener = new WebSocket.Listener() {
      @Override
      public void onOpen(WebSocket ws) {
        ws.request(1);
      }

      @Override
      public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        answered.complete(null);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
        answered.complete(null);
        return null;
      }
    };
    WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(node.wsUri("/ws"), listener)
        .orTimeout(seconds, TimeUnit.SECONDS).join();
    ws.sendBinary(ByteBuffer.wrap(HelloCodec.encodeClientHello(
        new ClientHello(session, token, new byte[HelloCodec.NONCE_LENGTH], 1, Compression.NONE, Role.HOST))), true)
        .orTimeout(seconds, TimeUnit.SECONDS).join();
    answered.orTimeout(seconds, TimeUnit.SECONDS).join();
    ws.abort();
  }

  private static String awaitScrapeContaining(TestNode node, String needle) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = HTTP.send(HttpRequest.newBuilder(node.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      if (body.contains(needle)) return body;
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new AssertionError(needle + " never exported:\n" + body);
  }
}
