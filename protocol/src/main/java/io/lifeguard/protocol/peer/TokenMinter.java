package io.lifeguard.protocol.peer;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mints relay tokens through {@code POST /v1/fallback/token} with a service secret, the way an
 * application's backend does (docs/control-plane.md). One call per connection attempt, so every
 * reconnect presents a fresh token.
 */
final class TokenMinter {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI endpoint;
  private final String secret;
  private final String body;

  TokenMinter(URI base, String secret, String sessionId, String role) {
    this.endpoint = base.resolve("/v1/fallback/token");
    this.secret = secret;
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("session_id", sessionId);
    request.put("cohort_id", "relay-peer");
    request.put("client_version", "relay-peer-1");
    request.put("role", role);
    request.put("telemetry_opt_in", false);
    this.body = JSONObjectUtils.toJSONString(request);
  }

  /**
   * The relay URL a node names in {@code /healthz}: its edge listener ({@code listeners.edge},
   * "host:port") when it has one, else its HTTP port.
   *
   * @throws IllegalStateException when the node does not answer
   */
  static URI relayUrl(URI base) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(base.resolve("/healthz")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      Object listeners = JSONObjectUtils.parse(response.body()).get("listeners");
      Object edge = listeners instanceof Map<?, ?> map ? map.get("edge") : null;
      String authority = edge instanceof String text && !text.isBlank() ? text : base.getAuthority();
      String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
      return URI.create(scheme + "://" + authority + "/ws");
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("cannot reach " + base + "/healthz: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** @throws IllegalStateException naming the status and error when the node refuses */
  String mint() {
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + secret)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("token request answered " + response.statusCode() + ": " + response.body());
      }
      return JSONObjectUtils.parse(response.body()).get("token").toString();
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("token request to " + endpoint + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
