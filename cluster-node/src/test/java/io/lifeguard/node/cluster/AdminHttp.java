package io.lifeguard.node.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

  /**
   * Sends a new GET every {@code every} without waiting for earlier ones (each may wait out the
   * server's ask timeout) and returns the first 200, or null after {@code within}. A failover time
   * measured this way is the moment the service answered, give or take {@code every}, not rounded
   * up to the next retry after a timed-out ask.
   */
  static HttpResponse<String> firstOk(URI uri, Duration every, Duration within) throws Exception {
    CompletableFuture<HttpResponse<String>> first = new CompletableFuture<>();
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      HTTP.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
              .header("Authorization", "Bearer " + ADMIN_SECRET).build(), HttpResponse.BodyHandlers.ofString())
          .thenAccept(response -> {
            if (response.statusCode() == 200) first.complete(response);
          });
      try {
        return first.get(every.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // not yet: the next request goes out while this one is still open
      }
    }
    return null;
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
