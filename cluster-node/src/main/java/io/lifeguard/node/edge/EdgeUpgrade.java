package io.lifeguard.node.edge;

import java.util.Map;
import java.util.function.Function;

/** A route's answer to a request: open a WebSocket, or refuse with an HTTP status and a JSON body. */
public sealed interface EdgeUpgrade {
  /**
   * Upgrade, assembling inbound messages up to {@code maxMessageBytes}, holding at most {@code
   * outboundCapacity} unwritten messages, and running the handler {@code handler} builds from the
   * socket's outbound side.
   */
  record Accept(int maxMessageBytes, int outboundCapacity, Function<Outbound, SocketHandler> handler)
      implements EdgeUpgrade {}

  /** Answer {@code status} with {@code {"error": code, "message": message}} and extra headers. */
  record Refuse(int status, String code, String message, Map<String, String> headers) implements EdgeUpgrade {
    public Refuse(int status, String code, String message) {
      this(status, code, message, Map.of());
    }
  }
}
