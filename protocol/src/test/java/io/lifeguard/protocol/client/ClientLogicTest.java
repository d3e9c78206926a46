package io.lifeguard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Errors;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.crypto.CipherSuite;
import io.lifeguard.protocol.crypto.FrameSealer;
import io.lifeguard.protocol.crypto.KeySchedule;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientLogicTest {

  @Test
  void backoffDoublesUpToTheMaximumWithFullJitter() {
    Backoff top = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.999999);
    assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 2000L, 2000L),
        List.of(1, 2, 3, 4, 5, 6, 60).stream().map(a -> top.ceiling(a).toMillis()).toList());
    assertEquals(100, top.delay(1).toMillis());
    assertEquals(2000, top.delay(1000).toMillis());
    Backoff bottom = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.0);
    assertEquals(0, bottom.delay(7).toMillis());
    Backoff middle = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.5);
    assertEquals(400, middle.delay(4).toMillis());
    assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> 0));
    assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0));
  }

  @Test
  void reconnectPolicyFollowsTheCloseTable() {
    assertFalse(ReconnectPolicy.shouldReconnect(CloseReason.GUARDRAIL_TRIPPED));
    assertFalse(ReconnectPolicy.shouldReconnect(CloseReason.AUTH_FAILED));
    assertFalse(ReconnectPolicy.shouldReconnect(CloseReason.NORMAL));
    assertTrue(ReconnectPolicy.shouldReconnect(CloseReason.SERVER_SHUTDOWN));
    assertTrue(ReconnectPolicy.shouldReconnect(CloseReason.HEARTBEAT_TIMEOUT));
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0);
    assertEquals(Duration.ZERO, ReconnectPolicy.delay(CloseReason.SERVER_SHUTDOWN, 1, backoff));
    assertEquals(Duration.ofSeconds(5), ReconnectPolicy.delay(CloseReason.RATE_LIMITED, 1, backoff));
    Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.999999);
    assertTrue(ReconnectPolicy.delay(CloseReason.RATE_LIMITED, 30, high).compareTo(Duration.ofSeconds(10)) <= 0);
  }

  @Test
  void urlsRotate() {
    List<URI> urls = List.of(URI.create("ws://a:1/ws"), URI.create("ws://b:1/ws"), URI.create("wss://c/ws"));
    UrlRotation rotation = new UrlRotation(urls, 1);
    assertEquals(List.of("b", "c", "a", "b"),
        List.of(rotation.next(), rotation.next(), rotation.next(), rotation.next())
            .stream().map(URI::getHost).toList());
    assertThrows(IllegalArgumentException.class, () -> new UrlRotation(List.of(), 0));
    assertThrows(IllegalArgumentException.class,
        () -> new UrlRotation(List.of(URI.create("http://a/ws")), 0));
  }

  @Test
  void shuffledRotationsVisitEveryUrlOnceARoundAndSpreadTheClientsOfADeadNode() {
    List<URI> urls = List.of(URI.create("ws://a:1/ws"), URI.create("ws://b:1/ws"), URI.create("ws://c:1/ws"));
    java.util.Random random = new java.util.Random(7);
    java.util.Map<String, Integer> nextAfterA = new java.util.TreeMap<>();
    for (int client = 0; client < 300; client++) {
      UrlRotation rotation = UrlRotation.shuffled(urls, random);
      List<String> round = List.of(rotation.next(), rotation.next(), rotation.next()).stream().map(URI::getHost).toList();
      assertEquals("a", round.get(0), "the first URL is tried first");
      assertEquals(java.util.Set.of("a", "b", "c"), java.util.Set.copyOf(round), "one round visits each node once");
      assertEquals(round.get(0), rotation.next().getHost(), "then starts over in the same order");
      // Where a client whose node a died goes next.
      nextAfterA.merge(round.get(1), 1, Integer::sum);
    }
    assertEquals(java.util.Set.of("b", "c"), nextAfterA.keySet());
    assertTrue(nextAfterA.get("b") > 100 && nextAfterA.get("c") > 100,
        "a's clients spread over both survivors: " + nextAfterA);
  }

  @Test
  void gapsAreReportedPerEpoch() {
    GapDetector detector = new GapDetector();
    assertEquals(Optional.empty(), detector.observe(0, 0));
    assertEquals(Optional.empty(), detector.observe(0, 1));
    GapDetector.Gap gap = detector.observe(0, 4).orElseThrow();
    assertEquals(new GapDetector.Gap(0, 2, 4), gap);
    assertEquals(2, gap.missing());
    assertEquals(Optional.empty(), detector.observe(1, 0));
    assertEquals(new GapDetector.Gap(2, 0, 3), detector.observe(2, 3).orElseThrow());
    detector.reset();
    assertEquals(new GapDetector.Gap(0, 0, 5), detector.observe(0, 5).orElseThrow());
  }

  @Test
  void fragmentsAreReassembled() {
    MessageAssembler assembler = new MessageAssembler(10);
    assertEquals(Optional.empty(), assembler.accept(ByteBuffer.wrap(new byte[] {1, 2}), false));
    assertEquals(Optional.empty(), assembler.accept(ByteBuffer.wrap(new byte[0]), false));
    assertArrayEquals(new byte[] {1, 2, 3}, assembler.accept(ByteBuffer.wrap(new byte[] {3}), true).orElseThrow());
    assertArrayEquals(new byte[] {4}, assembler.accept(ByteBuffer.wrap(new byte[] {4}), true).orElseThrow());
    assembler.accept(ByteBuffer.wrap(new byte[8]), false);
    assertEquals(ErrorCode.OVERSIZED, Errors.codeOf(() -> assembler.accept(ByteBuffer.wrap(new byte[3]), true)));
    assertArrayEquals(new byte[10], assembler.accept(ByteBuffer.wrap(new byte[10]), true).orElseThrow());
  }

  @Test
  void keyringOpensFramesOfAnnouncedPeersOnly() {
    byte[] psk = new byte[32];
    byte[] nonceA = new byte[16];
    byte[] nonceB = new byte[16];
    Arrays.fill(nonceA, (byte) 1);
    Arrays.fill(nonceB, (byte) 2);
    KeySchedule alice = new KeySchedule(CipherSuite.AES_256_GCM, psk, "alice", nonceA, nonceB);
    KeySchedule bob = new KeySchedule(CipherSuite.AES_256_GCM, psk, "bob", nonceB, nonceA);
    PeerKeyring ring = new PeerKeyring(psk, "carol");
    FrameSealer fromAlice = new FrameSealer(alice);
    FrameSealer fromBob = new FrameSealer(bob);
    var early = fromAlice.seal(FrameKind.DATA, "x".getBytes(StandardCharsets.UTF_8));
    assertEquals(ErrorCode.UNKNOWN_SENDER_KEY, Errors.codeOf(() -> ring.open(early)));
    assertTrue(ring.onAnnounce(alice.announce(true)));
    assertFalse(ring.onAnnounce(alice.announce(false)));
    assertTrue(ring.onAnnounce(bob.announce(false)));
    assertFalse(ring.onAnnounce(new KeySchedule(CipherSuite.AES_256_GCM, psk, "carol", nonceA, nonceA).announce(true)));
    assertEquals(2, ring.knownPeers());
    var opened = ring.open(fromBob.seal(FrameKind.DATA, "hi".getBytes(StandardCharsets.UTF_8)));
    assertEquals("bob", opened.peerId());
    assertEquals("hi", new String(opened.plaintext(), StandardCharsets.UTF_8));
    fromAlice.seal(FrameKind.DATA, new byte[1]); // lost
    var afterLoss = ring.open(fromAlice.seal(FrameKind.DATA, new byte[1]));
    assertEquals("alice", afterLoss.peerId());
    assertEquals(new GapDetector.Gap(0, 0, 2), afterLoss.gap().orElseThrow());
  }
}
