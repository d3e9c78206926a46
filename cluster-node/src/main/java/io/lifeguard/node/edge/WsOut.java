package io.lifeguard.node.edge;

import org.apache.pekko.util.ByteString;

/** What a handler sends: messages, and at most one close with the status code the client sees. */
public sealed interface WsOut {
  record Binary(ByteString data) implements WsOut {}

  record Text(String text) implements WsOut {}

  /** A binary message already encoded as a frame, shared by the sockets of a fan-out. */
  record Shared(SharedFrame frame) implements WsOut {}

  /** Ends the socket with a WebSocket close frame carrying {@code code} (1000–4999) and reason. */
  record Close(int code, String reason) implements WsOut {}
}
