package io.lifeguard.node.control;

import static io.lifeguard.node.control.ControlHttp.assertError;
import static io.lifeguard.node.control.ControlHttp.json;
import static io.lifeguard.node.control.ControlHttp.tokenBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.testing.FreePorts;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.node.testing.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A node with the mutual-TLS listener on, bind-subject and require-on-plain-port on, called over
 * real TLS on loopback with certificates a throw-away CA issued for this test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsTest {
  private static final String BEACH_ROAD = "svc-" + UUID.randomUUID();
  private static final String TIDE_CLOCK = "svc-" + UUID.randomUUID();

  private RedisServerProcess redis;
  private TestNode node;
  private int mtlsPort;
  private TestPki pki;
  private Path beachRoadCertificate;
  private Path tideClockCertificate;
  private Path sanOnlyCertificate;
  private Path strangerCertificate;

  @BeforeAll
  void start() {
    pki = TestPki.authority("Lifeguard Test CA");
    Path server = pki.issue("server", "localhost", "dns:localhost", "ip:127.0.0.1");
    beachRoadCertificate = pki.issue("beach-road", "beach-road");
    tideClockCertificate = pki.issue("tide-clock", "tide-clock");
    sanOnlyCertificate = pki.issue("san-only", "Beach Road Service", "dns:beach-road");
    // Same subject as a trusted caller, but signed by a CA the node does not trust.
    strangerCertificate = TestPki.authority("Someone Else's CA").issue("stranger", "beach-road");

    redis = RedisServerProcess.start();
    mtlsPort = FreePorts.next();
    node = TestNode.start(Map.ofEntries(
        Map.entry("lifeguard.redis.url", redis.url()),
        Map.entry("lifeguard.control.service-tokens", "beach-road:" + BEACH_ROAD + ",tide-clock:" + TIDE_CLOCK),
        Map.entry("lifeguard.control.mtls.enabled", "on"),
        Map.entry("lifeguard.control.mtls.port", mtlsPort),
        Map.entry("lifeguard.control.mtls.key-store", server.toString()),
        Map.entry("lifeguard.control.mtls.key-store-password", TestPki.PASSWORD),
        Map.entry("lifeguard.control.mtls.trust-store", pki.trustStore().toString()),
        Map.entry("lifeguard.control.mtls.trust-store-password", TestPki.PASSWORD),
        Map.entry("lifeguard.control.mtls.require-on-plain-port", "on"),
        Map.entry("lifeguard.control.mtls.bind-subject", "on"))).awaitReady();
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
    if (redis != null) redis.close();
  }

  private HttpResponse<String> overTls(SSLContext context, String method, String path, String bearer, String body)
      throws IOException, InterruptedException {
    // A new client per call: a pooled TLS connection would hide the handshake under test.
    HttpClient client = HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + mtlsPort + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (bearer != null) request.header("Authorization", "Bearer " + bearer);
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> token(Path clientCertificate, String bearer) throws Exception {
    return overTls(pki.clientContext(clientCertificate), "POST", "/v1/fallback/token", bearer,
        tokenBody("sess-" + UUID.randomUUID(), "paid", "host", true, null));
  }

  private static void assertHandshakeRefused(Executable call) {
    IOException failure = assertThrows(IOException.class, call::run);
    boolean handshake = false;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) handshake |= cause instanceof SSLHandshakeException;
    assertTrue(handshake, "expected the TLS handshake to fail, got " + failure);
  }

  private interface Executable {
    void run() throws Exception;
  }

  @Test
  void aTrustedCertificateNamingTheCallerGetsAToken() throws Exception {
    HttpResponse<String> response = token(beachRoadCertificate, BEACH_ROAD);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(3, json(response).get("token").asText().split("\\.").length, response.body());
    assertEquals("paid", json(response).get("cohort").asText());

    HttpResponse<String> other = token(tideClockCertificate, TIDE_CLOCK);
    assertEquals(200, other.statusCode(), other.body());
  }

  @Test
  void aDnsSubjectAlternativeNameAlsoNamesTheCaller() throws Exception {
    HttpResponse<String> response = token(sanOnlyCertificate, BEACH_ROAD);
    assertEquals(200, response.statusCode(), response.body());
  }

  @Test
  void withoutAClientCertificateTheHandshakeFails() {
    assertHandshakeRefused(() -> token(null, BEACH_ROAD));
  }

  @Test
  void aCertificateFromAnUntrustedCaFailsTheHandshake() {
    assertHandshakeRefused(() -> token(strangerCertificate, BEACH_ROAD));
  }

  @Test
  void aCertificateForAnotherServiceIsRefusedWithCertificateMismatch() throws Exception {
    var body = assertError(token(tideClockCertificate, BEACH_ROAD), 403, "certificate_mismatch");
    assertTrue(body.get("message").asText().contains("beach-road"), body.toString());
    assertError(token(beachRoadCertificate, TIDE_CLOCK), 403, "certificate_mismatch");
  }

  @Test
  void aWrongBearerOverMutualTlsIsStillUnauthorized() throws Exception {
    assertError(token(beachRoadCertificate, "not-a-secret"), 401, "unauthorized");
    assertError(token(beachRoadCertificate, null), 401, "unauthorized");
  }

  @Test
  void theMutualTlsListenerServesTheTokenApiOnly() throws Exception {
    SSLContext context = pki.clientContext(beachRoadCertificate);
    assertEquals(200, overTls(context, "GET", "/.well-known/lifeguard/jwks.json", null, null).statusCode());
    assertEquals(404, overTls(context, "GET", "/v1/admin/fallback", null, null).statusCode());
    assertEquals(404, overTls(context, "GET", "/ready", null, null).statusCode());
  }

  @Test
  void thePlainPortRefusesServiceCallsWithMtlsRequired() throws Exception {
    String body = tokenBody("sess-" + UUID.randomUUID(), "paid", "host", true, null);
    var refused = assertError(ControlHttp.post(node, "/v1/fallback/token", BEACH_ROAD, body), 403, "mtls_required");
    assertTrue(refused.get("message").asText().contains("lifeguard.control.mtls"), refused.toString());
    // Refused before the credential is checked, so the answer says nothing about the secret.
    assertError(ControlHttp.post(node, "/v1/fallback/token", "not-a-secret", body), 403, "mtls_required");
    assertError(ControlHttp.post(node, "/v1/fallback/sessions", BEACH_ROAD, "{\"cohort_id\":\"paid\"}"), 403,
        "mtls_required");
    assertEquals(200, ControlHttp.get(node, "/.well-known/lifeguard/jwks.json", null).statusCode(),
        "the public key set stays on the plain port");
    String metrics = ControlHttp.get(node, "/metrics", null).body();
    assertTrue(metrics.contains("lifeguard_token_requests_total{guardrail=\"ok\",outcome=\"mtls_required\"} 2.0"), metrics);
  }

  @Test
  void sessionReportsOverMutualTlsAreBoundToo() throws Exception {
    SSLContext context = pki.clientContext(beachRoadCertificate);
    HttpResponse<String> accepted = overTls(context, "POST", "/v1/fallback/sessions", BEACH_ROAD, "{\"cohort_id\":\"paid\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    assertError(overTls(context, "POST", "/v1/fallback/sessions", TIDE_CLOCK, "{\"cohort_id\":\"paid\"}"), 403,
        "certificate_mismatch");
  }
}
