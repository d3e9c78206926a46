package io.lifeguard.node.edge;

import org.apache.pekko.util.ByteString;

/** A complete message from the client, or the news that it sent one over the size limit. */
public sealed interface WsIn {
  record Binary(ByteString data) implements WsIn {}

  record Text(String text) implements WsIn {}

  /**
   * The client sent a WebSocket ping (already answered with a pong below this layer). Delivered
   * only when the handler is waiting for input, so it never queues; it exists so a handler can
   * count pings as liveness.
   */
  record Ping() implements WsIn {}

  /** A message larger than the limit arrived; its bytes were discarded as they came. */
  record TooBig(long atLeastBytes, boolean text) implements WsIn {}
}
