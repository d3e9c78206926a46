package io.lifeguard.node.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Admin API calls for multi-process tests: one admin credential shared by every node. */
final class AdminHttp {
  static final String ADMIN_ID = "ops-test";
  static final String ADMIN_SECRET = "admin-" + java.util.UUID.randomUUID();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private AdminHttp() {}

  static String adminTokensEnv() {
    return ADMIN_ID + ":" + ADMIN_SECRET;
  }

  static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + ADMIN_SECRET).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(URI uri, String json) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + ADMIN_SECRET).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a plain GET, or -1 when nothing answers. */
  static int status(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    if (response.statusCode() != 200) throw new AssertionError(response.statusCode() + " " + response.body());
    return Json.MAPPER.readTree(response.body());
  }
}
