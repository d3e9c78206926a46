package io.lifeguard.node.relay;

import java.util.Map;

/**
 * {@link RelayClusterTest}'s cross-node exchanges with {@code lifeguard.relay.cross-node-frames =
 * compact}: frames in the relay's own serializer, gathered per node and I/O-thread turn.
 */
class RelayClusterCompactFramesTest extends RelayClusterTest {
  @Override
  Map<String, Object> nodeSettings() {
    return Map.of("lifeguard.relay.cross-node-frames", "compact");
  }
}
