package io.lifeguard.node.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.apache.pekko.util.ByteString;

/**
 * A binary message encoded once as a WebSocket frame (header and payload in one direct buffer) for
 * a fan-out: every socket it is offered to writes a view of the same bytes, so a frame sent to N
 * peers costs one encoding and one copy, not N. Reference-counted: each accepted offer takes a
 * reference that the write gives back; the creator gives back its own with {@link #release} once
 * it has offered the frame everywhere.
 */
public final class SharedFrame {
  private static final int FIN_BINARY = 0x82;
  private final ByteBuf encoded;
  private final int payloadBytes;

  private SharedFrame(ByteBuf encoded, int payloadBytes) {
    this.encoded = encoded;
    this.payloadBytes = payloadBytes;
  }

  /** A server-to-client binary frame (final, unmasked, no extensions) carrying {@code payload}. */
  public static SharedFrame binary(ByteString payload) {
    return binary(payload, PooledByteBufAllocator.DEFAULT);
  }

  static SharedFrame binary(ByteString payload, ByteBufAllocator allocator) {
    int length = payload.length();
    int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf buf = allocator.directBuffer(header + length);
    buf.writeByte(FIN_BINARY);
    if (length <= 125) {
      buf.writeByte(length);
    } else if (length <= 0xFFFF) {
      buf.writeByte(126);
      buf.writeShort(length);
    } else {
      buf.writeByte(127);
      buf.writeLong(length);
    }
    buf.writeBytes(payload.asByteBuffer());
    return new SharedFrame(buf, length);
  }

  int payloadBytes() {
    return payloadBytes;
  }

  /** One more socket will write this frame. */
  void retain() {
    encoded.retain();
  }

  /**
   * A view to write, with its own reader index; it takes over the caller's reference, and writing
   * it (or failing to) gives that back. A pooled duplicate comes from Netty's per-thread recycler,
   * so a delivery allocates no view object (a plain {@code duplicate()} was a third of the
   * fan-out's garbage); it holds a reference of its own, hence the release of the caller's here.
   */
  ByteBuf view() {
    ByteBuf view = encoded.retainedDuplicate();
    encoded.release();
    return view;
  }

  /** References held on the encoding (the creator's, and one per offer not yet written). */
  int references() {
    return encoded.refCnt();
  }

  /** Gives back one reference: the creator's after its fan-out, or a socket's that will not write. */
  public void release() {
    encoded.release();
  }
}
