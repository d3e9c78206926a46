package io.lifeguard.sharding.session;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The wire form of {@link PeerMessage.Deliver} and {@link PeerMessage.Frames}, the messages every
 * cross-node relay frame travels in. {@code Deliver} (manifest {@code D}): the connection id (8
 * bytes, big-endian) followed by the frame exactly as the sender sent it. {@code Frames} (manifest
 * {@code F}): a count (4 bytes), then per frame its connection id (8), its length (4) and its bytes.
 *
 * <p>Every other cluster message goes through Jackson CBOR ({@code CborSerializable}); these two
 * are bound on their own because they are sent for every frame between peers on different nodes,
 * thousands of times a second per node, while their content is numbers and opaque bytes: Jackson's
 * per-message work (a CBOR generator and parser, field names, reflection on the way back) buys
 * nothing here (ADR 0004, "Cross-node frames"). As a {@link ByteBufferSerializer}, Artery writes
 * them straight into its pooled envelope buffer instead of an intermediate array.
 *
 * <p>Only these two classes are bound to it (this module's {@code reference.conf}); the identifier
 * and the manifests are part of the wire format and must never change.
 */
public final class DeliverSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
  /** Unique per serializer in the cluster; Pekko reserves 0–40. Never change it. */
  public static final int IDENTIFIER = 4_711_001;

  private static final String DELIVER = "D";
  private static final String FRAMES = "F";

  /** Pekko instantiates serializers reflectively with the system; this one keeps no state. */
  public DeliverSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    if (message instanceof PeerMessage.Deliver) return DELIVER;
    if (message instanceof PeerMessage.Frames) return FRAMES;
    throw cannot(message);
  }

  @Override
  public byte[] toBinary(Object message) {
    ByteBuffer out = ByteBuffer.allocate(size(message));
    write(message, out);
    return out.array();
  }

  @Override
  public void toBinary(Object message, ByteBuffer buffer) {
    write(message, buffer);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
    // NotSerializableException for an unknown manifest or a malformed message: Pekko's contract,
    // so the message is dropped and logged instead of failing the association.
    try {
      if (DELIVER.equals(manifest)) {
        long connectionId = buffer.getLong();
        return new PeerMessage.Deliver(connectionId, bytes(buffer, buffer.remaining()));
      }
      if (FRAMES.equals(manifest)) {
        int count = buffer.getInt();
        // Each frame takes at least 12 bytes: a count the input cannot hold is not allocated.
        if (count < 0 || count > buffer.remaining() / (Long.BYTES + Integer.BYTES)) {
          throw new NotSerializableException("Frames with an impossible count " + count);
        }
        long[] ids = new long[count];
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++) {
          ids[i] = buffer.getLong();
          int length = buffer.getInt();
          if (length < 0 || length > buffer.remaining()) throw new NotSerializableException("Frames: frame " + i + " truncated");
          frames[i] = bytes(buffer, length);
        }
        if (buffer.hasRemaining()) throw new NotSerializableException("Frames: " + buffer.remaining() + " bytes after the last frame");
        return new PeerMessage.Frames(ids, frames);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new NotSerializableException("truncated " + manifest);
    }
    throw new NotSerializableException("unknown manifest '" + manifest + "'");
  }

  private static byte[] bytes(ByteBuffer buffer, int length) {
    byte[] out = new byte[length];
    buffer.get(out);
    return out;
  }

  private static int size(Object message) {
    if (message instanceof PeerMessage.Deliver deliver) return Long.BYTES + deliver.frame().length;
    if (message instanceof PeerMessage.Frames frames) {
      int size = Integer.BYTES;
      for (byte[] frame : frames.frames()) size += Long.BYTES + Integer.BYTES + frame.length;
      return size;
    }
    throw cannot(message);
  }

  private static void write(Object message, ByteBuffer out) {
    if (message instanceof PeerMessage.Deliver deliver) {
      out.putLong(deliver.connectionId());
      out.put(deliver.frame());
    } else if (message instanceof PeerMessage.Frames frames) {
      out.putInt(frames.frames().length);
      for (int i = 0; i < frames.frames().length; i++) {
        out.putLong(frames.connectionIds()[i]);
        out.putInt(frames.frames()[i].length);
        out.put(frames.frames()[i]);
      }
    } else {
      throw cannot(message);
    }
  }

  private static IllegalArgumentException cannot(Object message) {
    return new IllegalArgumentException("DeliverSerializer cannot serialize " + message.getClass().getName());
  }
}
