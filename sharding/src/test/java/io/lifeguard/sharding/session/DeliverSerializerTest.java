package io.lifeguard.sharding.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The binding and wire form of {@link DeliverSerializer} as the actor system resolves them from
 * this module's {@code reference.conf}: {@code Deliver} gets its own serializer, every other
 * {@code PeerMessage} stays on Jackson CBOR, and both round-trip. A real two-node cluster sends
 * {@code Deliver} over Artery in the relay's cross-node tests (cluster-node module).
 */
class DeliverSerializerTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void deliverIsBoundToItsOwnSerializerAndTheRestStaysOnJackson() {
    Serializer forDeliver = serialization.findSerializerFor(new PeerMessage.Deliver(1, new byte[] {1}));
    assertInstanceOf(DeliverSerializer.class, forDeliver);
    assertEquals(DeliverSerializer.IDENTIFIER, forDeliver.identifier());
    MemberList list = new MemberList("inc-1", 3, List.of(), "pekko://lifeguard@127.0.0.1:2552");
    for (PeerMessage other : List.of(new PeerMessage.Members(7, "s", list), new PeerMessage.Rejoin(7, "s"),
        new PeerMessage.Close(7, "session_closed"))) {
      Serializer serializer = serialization.findSerializerFor(other);
      assertNotEquals(DeliverSerializer.IDENTIFIER, serializer.identifier(), other.toString());
      assertEquals(other, roundTrip(other), "Jackson CBOR round trip of " + other);
    }
  }

  @Test
  void deliverRoundTripsThroughTheSystemsSerialization() {
    byte[] frame = {0, 3, 0, 0, 0, 9, 'h', 'e', 'l', 'l', 'o'};
    PeerMessage.Deliver back = (PeerMessage.Deliver) roundTrip(new PeerMessage.Deliver(-42L, frame));
    assertEquals(-42L, back.connectionId());
    assertArrayEquals(frame, back.frame());
  }

  @Test
  void framesBoundTheSameWayAndRoundTripInOrder() {
    assertInstanceOf(DeliverSerializer.class,
        serialization.findSerializerFor(new PeerMessage.Frames(new long[] {1}, new byte[][] {{1}})));
    long[] ids = {3, 1, 3, Long.MIN_VALUE};
    byte[][] frames = {{1, 2}, {}, {3}, new byte[1000]};
    PeerMessage.Frames back = (PeerMessage.Frames) roundTrip(new PeerMessage.Frames(ids, frames));
    assertArrayEquals(ids, back.connectionIds());
    for (int i = 0; i < ids.length; i++) assertArrayEquals(frames[i], back.frames()[i], "frame " + i);
  }

  @Test
  void malformedFramesAreNotSerializable() {
    DeliverSerializer serializer = new DeliverSerializer(null);
    byte[] good = serializer.toBinary(new PeerMessage.Frames(new long[] {1, 2}, new byte[][] {{1, 2, 3}, {4}}));
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(java.util.Arrays.copyOf(good, good.length - 1), "F"));
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(java.util.Arrays.copyOf(good, good.length + 1), "F"));
    byte[] hugeCount = good.clone();
    ByteBuffer.wrap(hugeCount).putInt(Integer.MAX_VALUE);
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(hugeCount, "F"));
    assertThrows(IllegalArgumentException.class, () -> new PeerMessage.Frames(new long[2], new byte[1][]));
  }

  @Test
  void byteBufferFormIsTheSameAsTheArrayForm() throws NotSerializableException {
    DeliverSerializer serializer = new DeliverSerializer(null);
    PeerMessage.Deliver deliver = new PeerMessage.Deliver(Long.MAX_VALUE, new byte[300]);
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    buffer.put((byte) 99); // Artery writes after its envelope header: the serializer must not assume position 0
    serializer.toBinary(deliver, buffer);
    buffer.flip().get();
    byte[] viaArray = serializer.toBinary(deliver);
    assertEquals(ByteBuffer.wrap(viaArray), buffer.duplicate());
    PeerMessage.Deliver back = (PeerMessage.Deliver) serializer.fromBinary(buffer, "D");
    assertEquals(Long.MAX_VALUE, back.connectionId());
    assertEquals(300, back.frame().length);
  }

  @Test
  void anEmptyFrameKeepsItsConnectionId() throws NotSerializableException {
    DeliverSerializer serializer = new DeliverSerializer(null);
    byte[] bytes = serializer.toBinary(new PeerMessage.Deliver(5, new byte[0]));
    assertEquals(Long.BYTES, bytes.length);
    PeerMessage.Deliver back = (PeerMessage.Deliver) serializer.fromBinary(bytes, "D");
    assertEquals(5, back.connectionId());
    assertEquals(0, back.frame().length);
  }

  @Test
  void unknownManifestsAndTruncatedInputAreNotSerializable() {
    DeliverSerializer serializer = new DeliverSerializer(null);
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(new byte[16], "X"));
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(new byte[7], "D"));
    assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(new PeerMessage.Rejoin(1, "s")));
    assertThrows(IllegalArgumentException.class, () -> serializer.manifest("not a deliver"));
  }

  private static Object roundTrip(Object message) {
    byte[] bytes = serialization.serialize(message).get();
    Serializer serializer = serialization.findSerializerFor(message);
    String manifest = Serializers.manifestFor(serializer, message);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }
}
