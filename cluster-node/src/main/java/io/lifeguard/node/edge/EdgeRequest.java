package io.lifeguard.node.edge;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP request on the edge port, as a route sees it: decoded path segments, query parameters,
 * headers, the client's address, and whether it asks for a WebSocket upgrade.
 */
public final class EdgeRequest {
  private final String path;
  private final List<String> segments;
  private final Map<String, List<String>> query;
  private final HttpHeaders headers;
  private final String clientAddress;
  private final boolean upgrade;

  EdgeRequest(String path, List<String> segments, Map<String, List<String>> query, HttpHeaders headers,
      String clientAddress, boolean upgrade) {
    this.path = path;
    this.segments = segments;
    this.query = query;
    this.headers = headers;
    this.clientAddress = clientAddress;
    this.upgrade = upgrade;
  }

  public String path() {
    return path;
  }

  /** Path segments, percent-decoded; {@code /a/ws/b} is {@code [a, ws, b]}. */
  public List<String> segments() {
    return segments;
  }

  public Optional<String> query(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** The peer's IP address (the TCP connection's; forwarding headers are not trusted). */
  public String clientAddress() {
    return clientAddress;
  }

  /** The request carries a valid WebSocket upgrade (GET, Upgrade: websocket, a key, version 13). */
  public boolean isUpgrade() {
    return upgrade;
  }
}
