package io.lifeguard.node.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small HTTP client for the control endpoints of a {@link TestNode}. */
final class ControlHttp {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ControlHttp() {}

  static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(TestNode node, String path, String bearer, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) request.header("Authorization", "Bearer " + bearer);
    return send(request);
  }

  static HttpResponse<String> get(TestNode node, String path, String bearer) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).GET();
    if (bearer != null) request.header("Authorization", "Bearer " + bearer);
    return send(request);
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return Json.MAPPER.readTree(response.body());
  }

  static String tokenBody(String session, String cohort, String role, Boolean telemetry, String proof) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("session_id", session);
    body.put("cohort_id", cohort);
    body.put("client_version", "beach-cli/1.4.0");
    body.put("role", role);
    body.put("telemetry_opt_in", telemetry);
    if (proof != null) body.put("entitlement_proof", proof);
    return Json.write(body);
  }

  /** Asserts the structured error body and status; returns the body. */
  static JsonNode assertError(HttpResponse<String> response, int status, String error) throws IOException {
    org.junit.jupiter.api.Assertions.assertEquals(status, response.statusCode(), response.body());
    JsonNode body = json(response);
    org.junit.jupiter.api.Assertions.assertEquals(error, body.path("error").asText(), response.body());
    org.junit.jupiter.api.Assertions.assertFalse(body.path("message").asText().isEmpty(), response.body());
    return body;
  }
}
