package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A 2 s heartbeat on a 1 s sweep tick goes out every 2 s even when the tick fires early or late. */
class CadenceTest {
  private static final long MS = 1_000_000L;

  @Test
  void aTwoSecondIntervalOnAOneSecondTickIsEverySecondTickWhetherTheTickRunsEarlyOrLate() {
    for (long drift : new long[] {-3 * MS, 0, 3 * MS}) {
      Cadence cadence = new Cadence(2_000 * MS, 1_000 * MS, 0);
      List<Integer> dueAtTicks = new ArrayList<>();
      for (int tick = 1; tick <= 12; tick++) {
        if (cadence.due(tick * (1_000 * MS + drift))) dueAtTicks.add(tick);
      }
      assertEquals(List.of(2, 4, 6, 8, 10, 12), dueAtTicks, "drift " + drift / MS + " ms per tick");
    }
  }

  @Test
  void afterALongPauseTheScheduleRestartsInsteadOfCatchingUp() {
    Cadence cadence = new Cadence(2_000 * MS, 1_000 * MS, 0);
    assertEquals(true, cadence.due(10_000 * MS));
    assertEquals(false, cadence.due(11_000 * MS));
    assertEquals(true, cadence.due(12_000 * MS));
  }
}
