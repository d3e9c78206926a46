package io.lifeguard.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kill figures' definitions: clock at the kill, both directions, a missing peer is a failure. */
class KillRecoveryTest {
  private static final long S = 1_000_000_000L;
  /** Sessions (0,1) and (2,3); peer 1 was on the killed node, the others were not. */
  private static final boolean[] MOVED = {false, true, false, false};

  @Test
  void aMovedPeerRecoversWhenBothDirectionsCarryFramesOverItsNewConnection() {
    KillRecovery r = new KillRecovery(4, 100);
    r.kill(MOVED, 10 * S);
    r.connected(1, 2, 12 * S);
    // Sent by the partner after the kill, before peer 1 was back: lost in reality, ignored here.
    r.delivered(1, 0, 11 * S, 11 * S + 1);
    assertFalse(r.allMovedRecovered());
    r.delivered(1, 0, 13 * S, 13 * S + 1000);
    assertFalse(r.allMovedRecovered(), "only one direction so far");
    r.delivered(0, 1, 14 * S, 14 * S + 2000);
    assertTrue(r.allMovedRecovered());
    Map<String, Object> report = r.report(10);
    assertEquals(1, report.get("moved_peers"));
    assertEquals(0, report.get("moved_not_recovered"));
    @SuppressWarnings("unchecked")
    Map<String, Object> again = (Map<String, Object>) report.get("moved_exchanging_again_s");
    assertEquals(4.0, again.get("p100"));
    assertEquals(true, report.get("target_met"));
  }

  @Test
  void aMovedPeerThatNeverRecoversMakesP100NeverAndMissesTheTarget() {
    KillRecovery r = new KillRecovery(4, 100);
    r.kill(MOVED, 10 * S);
    Map<String, Object> report = r.report(10);
    assertEquals(1, report.get("moved_not_recovered"));
    @SuppressWarnings("unchecked")
    Map<String, Object> again = (Map<String, Object>) report.get("moved_exchanging_again_s");
    assertEquals("never", again.get("p100"));
    assertEquals(false, report.get("target_met"));
  }

  @Test
  void survivorFramesAfterTheKillAreTheStormsLatencyAndLoss() {
    KillRecovery r = new KillRecovery(4, 100);
    r.delivered(2, 3, 5 * S, 5 * S + 3_000_000);
    r.kill(MOVED, 10 * S);
    r.sent(3, 11 * S);
    r.sent(3, 12 * S);
    r.delivered(2, 3, 11 * S, 11 * S + 7_000_000);
    Map<String, Object> report = r.report(10);
    assertEquals(2L, report.get("survivors_frames_sent_during_storm"));
    assertEquals(1L, report.get("survivors_frames_lost_during_storm"));
    assertEquals(1L, ((Map<?, ?>) report.get("survivors_latency_during_storm")).get("count"));
    assertEquals(1L, ((Map<?, ?>) report.get("survivors_latency_before_kill")).get("count"));
  }
}
