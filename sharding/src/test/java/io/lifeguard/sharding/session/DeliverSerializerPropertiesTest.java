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

  /** The decoder never fails on input of eight bytes or more: any bytes are a frame for the relay to judge. */
  @Property(tries = 500)
  void anyInputOfAtLeastAnIdDecodes(@ForAll @Size(min = 8, max = 512) byte[] input) throws NotSerializableException {
    PeerMessage.Deliver back = (PeerMessage.Deliver) serializer.fromBinary(input, "D");
    assertEquals(ByteBuffer.wrap(input).getLong(), back.connectionId());
    assertEquals(input.length - Long.BYTES, back.frame().length);
  }
}
