package io.lifeguard.node.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.apache.pekko.util.ByteString;

/**
 * A binary message many sockets send alike (the relay's heartbeat), encoded once as a server
 * WebSocket frame (unmasked, so the bytes are the same for every socket). {@link
 * Outbound#offerConstant} writes it past the WebSocket encoder: no copy, frame object or callback per
 * socket. Small payloads only (up to 125 bytes: one header byte for the length).
 */
public final class ConstantFrame {
  // Not pooled and not leak-tracked: it lives as long as the node, and sockets write duplicates.
  private static final UnpooledByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(true, true);

  private final ByteString payload;
  private final ByteBuf encoded;

  private ConstantFrame(ByteString payload, ByteBuf encoded) {
    this.payload = payload;
    this.encoded = encoded;
  }

  /** A FIN binary frame carrying {@code payload} (at most 125 bytes). */
  public static ConstantFrame binary(ByteString payload) {
    if (payload.size() > 125) throw new IllegalArgumentException("shared frames carry at most 125 bytes");
    ByteBuf frame = ALLOCATOR.directBuffer(2 + payload.size());
    frame.writeByte(0x82).writeByte(payload.size()).writeBytes(payload.toArray());
    return new ConstantFrame(payload, frame);
  }

  public ByteString payload() {
    return payload;
  }

  /**
   * A view of the encoded frame for one write, retained: the write releases it, and the shared
   * bytes (never written to, never released to zero) stay.
   */
  ByteBuf forOneWrite() {
    return encoded.retainedDuplicate();
  }
}
