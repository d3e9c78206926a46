package io.lifeguard.node.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.apache.pekko.util.ByteString;

/**
 * A binary message many sockets send alike for the node's whole life (the relay's heartbeat):
 * one {@link SharedFrame} whose creator's reference is never given back. {@link
 * Outbound#offerConstant} writes it past the WebSocket encoder: no copy, frame object or callback
 * per socket.
 */
public final class ConstantFrame {
  // Not pooled and not leak-tracked: it lives as long as the node, and sockets write views of it.
  private static final UnpooledByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(true, true);

  private final ByteString payload;
  private final SharedFrame frame;

  private ConstantFrame(ByteString payload, SharedFrame frame) {
    this.payload = payload;
    this.frame = frame;
  }

  /** A FIN binary frame carrying {@code payload}. */
  public static ConstantFrame binary(ByteString payload) {
    return new ConstantFrame(payload, SharedFrame.binary(payload, ALLOCATOR));
  }

  public ByteString payload() {
    return payload;
  }

  /** A view of the encoded frame for one write, retained: the write releases it. */
  ByteBuf forOneWrite() {
    frame.retain();
    return frame.view();
  }
}
