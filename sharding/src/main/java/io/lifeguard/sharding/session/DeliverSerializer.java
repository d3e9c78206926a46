package io.lifeguard.sharding.session;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The wire form of {@link PeerMessage.Deliver}, the one message every cross-node relay frame is:
 * the connection id (8 bytes, big-endian) followed by the frame exactly as the sender sent it.
 *
 * <p>Every other cluster message goes through Jackson CBOR ({@code CborSerializable}); this one is
 * bound on its own because it is sent once per frame per remote receiver, thousands of times a
 * second per node, and Jackson's per-message work (a generator, field names, a base-64-free but
 * still copied byte string, reflection on the way back) is most of its cost while the content is
 * a number and opaque bytes (ADR 0004, "Cross-node frames"). As a {@link ByteBufferSerializer},
 * Artery writes it straight into its pooled envelope buffer instead of an intermediate array.
 *
 * <p>Only {@code Deliver} is bound to it (this module's {@code reference.conf}); the identifier is
 * part of the wire format and must never change.
 */
public final class DeliverSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
  /** Unique per serializer in the cluster; Pekko reserves 0–40. Never change it. */
  public static final int IDENTIFIER = 4_711_001;

  private static final String DELIVER = "D";

  /** Pekko instantiates serializers reflectively with the system; this one keeps no state. */
  public DeliverSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    if (message instanceof PeerMessage.Deliver) return DELIVER;
    throw new IllegalArgumentException("DeliverSerializer cannot serialize " + message.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object message) {
    PeerMessage.Deliver deliver = deliver(message);
    ByteBuffer out = ByteBuffer.allocate(Long.BYTES + deliver.frame().length);
    write(deliver, out);
    return out.array();
  }

  @Override
  public void toBinary(Object message, ByteBuffer buffer) {
    write(deliver(message), buffer);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
    // NotSerializableException for an unknown manifest: Pekko's contract, so a newer node's
    // message is dropped and logged by an older node instead of failing the association.
    if (!DELIVER.equals(manifest)) throw new NotSerializableException("unknown manifest '" + manifest + "'");
    if (buffer.remaining() < Long.BYTES) throw new NotSerializableException("Deliver shorter than its connection id");
    long connectionId = buffer.getLong();
    byte[] frame = new byte[buffer.remaining()];
    buffer.get(frame);
    return new PeerMessage.Deliver(connectionId, frame);
  }

  private static PeerMessage.Deliver deliver(Object message) {
    if (message instanceof PeerMessage.Deliver deliver) return deliver;
    throw new IllegalArgumentException("DeliverSerializer cannot serialize " + message.getClass().getName());
  }

  private static void write(PeerMessage.Deliver deliver, ByteBuffer out) {
    out.putLong(deliver.connectionId());
    out.put(deliver.frame());
  }
}
