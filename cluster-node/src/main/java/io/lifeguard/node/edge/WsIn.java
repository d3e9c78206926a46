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

  /**
   * A message larger than the limit arrived; its bytes were discarded as they came. {@code text}
   * is empty when the message was refused in its first frame's header, before its type could be
   * told (a single frame over the limit): handlers then treat it as too big, whatever it was.
   */
  record TooBig(long atLeastBytes, java.util.Optional<Boolean> text) implements WsIn {
    /** True only when the message is known to be binary. */
    public boolean binary() {
      return text.isPresent() && !text.get();
    }
  }
}
