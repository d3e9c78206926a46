package io.lifeguard.sharding.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** {@link DeliverSerializer} over arbitrary ids, frames and input bytes. */
class DeliverSerializerPropertiesTest {
  private final DeliverSerializer serializer = new DeliverSerializer(null);

  @Property(tries = 500)
  void everyDeliverRoundTrips(@ForAll long connectionId, @ForAll @Size(max = 2048) byte[] frame)
      throws NotSerializableException {
    PeerMessage.Deliver back = (PeerMessage.Deliver) serializer.fromBinary(
        serializer.toBinary(new PeerMessage.Deliver(connectionId, frame)), "D");
    assertEquals(connectionId, back.connectionId());
    assertArrayEquals(frame, back.frame());
  }

  @Property(tries = 300)
  void everyFramesRoundTrips(@ForAll @Size(max = 40) java.util.List<@Size(max = 300) byte[]> frames, @ForAll long seed)
      throws NotSerializableException {
    long[] ids = new java.util.Random(seed).longs(frames.size()).toArray();
    byte[][] array = frames.toArray(new byte[0][]);
    PeerMessage.Frames back = (PeerMessage.Frames) serializer.fromBinary(
        serializer.toBinary(new PeerMessage.Frames(ids, array)), "F");
    assertArrayEquals(ids, back.connectionIds());
    assertEquals(array.length, back.frames().length);
    for (int i = 0; i < array.length; i++) assertArrayEquals(array[i], back.frames()[i]);
  }

  /** Arbitrary bytes as a Frames message: a message or NotSerializableException, nothing else. */
  @Property(tries = 1000)
  void anyInputDecodesAsFramesOrIsRejected(@ForAll @Size(max = 200) byte[] input) {
    try {
      PeerMessage.Frames frames = (PeerMessage.Frames) serializer.fromBinary(input, "F");
      assertEquals(frames.connectionIds().length, frames.frames().length);
    } catch (NotSerializableException rejected) {
      // expected for most inputs
    }
  }

  /** The decoder never fails on input of eight bytes or more: any bytes are a frame for the relay to judge. */
  @Property(tries = 500)
  void anyInputOfAtLeastAnIdDecodes(@ForAll @Size(min = 8, max = 512) byte[] input) throws NotSerializableException {
    PeerMessage.Deliver back = (PeerMessage.Deliver) serializer.fromBinary(input, "D");
    assertEquals(ByteBuffer.wrap(input).getLong(), back.connectionId());
    assertEquals(input.length - Long.BYTES, back.frame().length);
  }
}
