package io.lifeguard.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bridge's 100k verdict judges what the node carried of what the generator offered. */
class EdgeBridgeVerdictTest {
  private static Map<String, Object> phase(long target, long perSecond, long lost) {
    return Map.of("target_deliveries_per_second", target, "messages_per_second", perSecond, "lost", lost);
  }

  @Test
  void everythingOfferedAt100kCarriedIsMetThoughTheSendWindowReadsBelow100k() {
    assertEquals("met 99877/s", EdgeBridgeScenario.messagesVerdict(List.of(phase(50_000, 49_945, 0), phase(100_000, 99_877, 0))));
  }

  @Test
  void aNodeBehindTheOfferedRateOrLosingMessagesIsNotMet() {
    assertEquals("NOT met 83587/s", EdgeBridgeScenario.messagesVerdict(List.of(phase(100_000, 83_587, 0))));
    assertEquals("NOT met 99900/s", EdgeBridgeScenario.messagesVerdict(List.of(phase(100_000, 99_900, 3))));
  }

  @Test
  void onlyAPhaseOfferedAtLeast100kCounts() {
    assertEquals("NOT met 99000/s", EdgeBridgeScenario.messagesVerdict(List.of(phase(99_000, 99_000, 0))));
  }
}
