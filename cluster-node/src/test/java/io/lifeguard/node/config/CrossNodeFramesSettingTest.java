package io.lifeguard.node.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.relay.RelaySettings;
import io.lifeguard.sharding.session.DeliverSerializer;
import io.lifeguard.sharding.session.PeerMessage;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonSerializer;
import org.junit.jupiter.api.Test;

/**
 * lifeguard.relay.cross-node-frames: "compatible" (the default) sends frames to other nodes in the
 * form older nodes read, "compact" in the relay's own; a node in either mode reads both, so an
 * upgrade can roll "compatible" first and "compact" after.
 */
class CrossNodeFramesSettingTest {
  private static final PeerMessage.Deliver FRAME = new PeerMessage.Deliver(42, new byte[] {1, 2, 3, 4});

  @Test
  void compatibleIsTheDefaultAndSendsFramesAsJacksonCbor() throws Exception {
    NodeConfig.Loaded loaded = NodeConfig.withOverrides(local(null));
    assertFalse(RelaySettings.create(loaded.config()).compactCrossNodeFrames());
    withSystem(loaded, serialization ->
        assertInstanceOf(JacksonSerializer.class, serialization.findSerializerFor(FRAME)));
  }

  @Test
  void compactSendsFramesWithTheRelaysSerializer() throws Exception {
    NodeConfig.Loaded loaded = NodeConfig.withOverrides(local("compact"));
    assertTrue(RelaySettings.create(loaded.config()).compactCrossNodeFrames());
    withSystem(loaded, serialization ->
        assertInstanceOf(DeliverSerializer.class, serialization.findSerializerFor(FRAME)));
  }

  @Test
  void eachModeReadsTheOthersFrames() throws Exception {
    Encoded jackson = encode(NodeConfig.withOverrides(local("compatible")));
    Encoded compact = encode(NodeConfig.withOverrides(local("compact")));
    withSystem(NodeConfig.withOverrides(local("compact")), serialization -> assertSame(jackson.decodeWith(serialization)));
    withSystem(NodeConfig.withOverrides(local("compatible")), serialization -> assertSame(compact.decodeWith(serialization)));
  }

  @Test
  void anyOtherValueIsRefused() {
    InvalidSettingException e =
        assertThrows(InvalidSettingException.class, () -> NodeConfig.withOverrides(local("fast")));
    assertTrue(e.getMessage().contains("lifeguard.relay.cross-node-frames"), e.getMessage());
  }

  private record Encoded(byte[] bytes, int serializerId, String manifest) {
    PeerMessage.Deliver decodeWith(Serialization serialization) {
      return (PeerMessage.Deliver) serialization.deserialize(bytes, serializerId, manifest).get();
    }
  }

  private static Encoded encode(NodeConfig.Loaded loaded) throws Exception {
    Encoded[] out = new Encoded[1];
    withSystem(loaded, serialization -> {
      var serializer = serialization.findSerializerFor(FRAME);
      out[0] = new Encoded(serialization.serialize(FRAME).get(), serializer.identifier(),
          Serializers.manifestFor(serializer, FRAME));
    });
    return out[0];
  }

  private static void assertSame(PeerMessage.Deliver read) {
    assertEquals(FRAME.connectionId(), read.connectionId());
    assertArrayEquals(FRAME.frame(), read.frame());
  }

  private static Map<String, Object> local(String mode) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("pekko.actor.provider", "local");
    if (mode != null) overrides.put("lifeguard.relay.cross-node-frames", mode);
    return overrides;
  }

  private interface WithSerialization {
    void accept(Serialization serialization) throws Exception;
  }

  private static void withSystem(NodeConfig.Loaded loaded, WithSerialization body) throws Exception {
    ActorSystem system = ActorSystem.create("frames", loaded.config());
    try {
      body.accept(SerializationExtension.get(system));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
