package io.lifeguard.node.websocket;

import org.apache.pekko.util.ByteString;

/** A complete message from the client, or the news that it sent one over the size limit. */
public sealed interface WsIn {
  record Binary(ByteString data) implements WsIn {}

  record Text(String text) implements WsIn {}

  /** A message larger than the limit arrived; its bytes were discarded as they came. */
  record TooBig(long atLeastBytes, boolean text) implements WsIn {}
}
