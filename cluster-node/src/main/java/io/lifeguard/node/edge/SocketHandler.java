package io.lifeguard.node.edge;

import java.util.concurrent.CompletionStage;

/**
 * What one upgraded WebSocket drives: the relay, bridge or host-bus connection behind it. The edge
 * calls it on the socket's I/O thread.
 */
public interface SocketHandler {
  /**
   * One complete inbound message. The next message is not delivered before the returned stage
   * completes: meanwhile the edge stops reading from the socket, so a slow handler backpressures
   * its client through TCP. A failed stage closes the socket with 1011.
   */
  CompletionStage<?> onMessage(WsIn message);

  /** The socket ended, for whatever reason. Called exactly once. */
  void terminated();
}
