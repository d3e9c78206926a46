package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lifeguard.sharding.session.PeerMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * How an I/O thread's cross-node frames leave: gathered per destination node until the turn's end
 * (the task {@link RemoteFrames} hands to the thread), in forwarding order, a lone frame as a plain
 * {@code Deliver}, a large one after what was gathered before it. The test thread plays the I/O
 * thread: its task queue is an explicit queue the test runs, as the event loop would after a turn.
 */
class RemoteFramesTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration NOTHING_MORE = Duration.ofMillis(200);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** The I/O thread's task queue: tasks run when the test ends the turn. */
  private static final class Turn implements Executor {
    final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void end() {
      while (!tasks.isEmpty()) tasks.poll().run();
    }
  }

  @Test
  void framesOfOneTurnLeaveAsOneMessagePerNodeInOrder() {
    TestProbe<PeerMessage> nodeB = testKit.createTestProbe();
    TestProbe<PeerMessage> nodeC = testKit.createTestProbe();
    Turn turn = new Turn();
    RemoteFrames.send(nodeB.ref(), 1, new byte[] {1}, turn);
    RemoteFrames.send(nodeC.ref(), 9, new byte[] {9}, turn);
    RemoteFrames.send(nodeB.ref(), 2, new byte[] {2}, turn);
    RemoteFrames.send(nodeB.ref(), 1, new byte[] {3}, turn);
    assertEquals(1, turn.tasks.size(), "one end-of-turn task for the whole turn");
    nodeB.expectNoMessage(Duration.ZERO);
    turn.end();

    PeerMessage.Frames toB = assertInstanceOf(PeerMessage.Frames.class, nodeB.receiveMessage());
    assertArrayEquals(new long[] {1, 2, 1}, toB.connectionIds());
    assertArrayEquals(new byte[] {1}, toB.frames()[0]);
    assertArrayEquals(new byte[] {2}, toB.frames()[1]);
    assertArrayEquals(new byte[] {3}, toB.frames()[2]);
    PeerMessage.Deliver toC = assertInstanceOf(PeerMessage.Deliver.class, nodeC.receiveMessage());
    assertEquals(9, toC.connectionId());
    nodeB.expectNoMessage(NOTHING_MORE);
    nodeC.expectNoMessage(Duration.ZERO);

    // The next turn starts afresh and schedules its own task.
    RemoteFrames.send(nodeB.ref(), 4, new byte[] {4}, turn);
    assertEquals(1, turn.tasks.size());
    turn.end();
    assertEquals(4, assertInstanceOf(PeerMessage.Deliver.class, nodeB.receiveMessage()).connectionId());
  }

  @Test
  void aLargeFrameLeavesAtOnceAfterWhatWasGatheredBeforeIt() {
    TestProbe<PeerMessage> node = testKit.createTestProbe();
    Turn turn = new Turn();
    RemoteFrames.send(node.ref(), 1, new byte[] {1}, turn);
    RemoteFrames.send(node.ref(), 2, new byte[] {2}, turn);
    RemoteFrames.send(node.ref(), 3, new byte[RemoteFrames.MAX_BATCH_BYTES], turn);
    assertArrayEquals(new long[] {1, 2}, assertInstanceOf(PeerMessage.Frames.class, node.receiveMessage()).connectionIds());
    assertEquals(3, assertInstanceOf(PeerMessage.Deliver.class, node.receiveMessage()).connectionId());
    RemoteFrames.send(node.ref(), 4, new byte[] {4}, turn);
    turn.end();
    assertEquals(4, assertInstanceOf(PeerMessage.Deliver.class, node.receiveMessage()).connectionId());
    node.expectNoMessage(NOTHING_MORE);
  }

  @Test
  void aBatchNeverHoldsMoreThanItsByteBudget() {
    TestProbe<PeerMessage> node = testKit.createTestProbe();
    Turn turn = new Turn();
    int size = RemoteFrames.MAX_BATCH_BYTES / 4;
    for (int i = 0; i < 6; i++) RemoteFrames.send(node.ref(), i, new byte[size], turn);
    // Four fit exactly; the fifth starts a new batch at once, sent at the end of the turn.
    assertArrayEquals(new long[] {0, 1, 2, 3}, assertInstanceOf(PeerMessage.Frames.class, node.receiveMessage()).connectionIds());
    node.expectNoMessage(Duration.ZERO);
    turn.end();
    assertArrayEquals(new long[] {4, 5}, assertInstanceOf(PeerMessage.Frames.class, node.receiveMessage()).connectionIds());
  }

  @Test
  void offTheIoThreadAFrameLeavesAtOnce() {
    TestProbe<PeerMessage> node = testKit.createTestProbe();
    RemoteFrames.send(node.ref(), 7, new byte[] {7}, null);
    assertEquals(7, assertInstanceOf(PeerMessage.Deliver.class, node.receiveMessage()).connectionId());
  }
}
