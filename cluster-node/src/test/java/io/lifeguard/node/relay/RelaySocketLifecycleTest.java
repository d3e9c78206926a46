package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/** The per-socket stage: where join replies are handled, and that every ended socket is forgotten. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelaySocketLifecycleTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern CONNECTIONS = Pattern.compile("\"connections\":(\\d+)");
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start(RelayTokens.nodeConfig()).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  /**
   * pekko's CompletionStages run non-async callbacks on the JDK's default async pool, which on a
   * machine with fewer than three cores is a new thread per call: the join reply must be handled on
   * one of the node's own threads instead. Which one is a race by design: the thread that completes
   * the ask (the dispatcher running the entity) or, when the answer is already there by the time
   * the callback is attached, the socket's own I/O thread that sent the Join.
   */
  @Test
  void theJoinReplyIsHandledOnTheNodesOwnThreads() {
    Logger relayLog = (Logger) LoggerFactory.getLogger("io.lifeguard.relay");
    ConcurrentLinkedQueue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
    AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        events.add(event);
      }
    };
    capture.setContext(relayLog.getLoggerContext());
    capture.start();
    relayLog.addAppender(capture);
    // Joins are logged at DEBUG (per-connection lines cost CPU at scale).
    ch.qos.logback.classic.Level level = relayLog.getLevel();
    relayLog.setLevel(ch.qos.logback.classic.Level.DEBUG);
    try {
      String session = RelayTokens.newSessionId();
      try (RawRelayClient peer = RawRelayClient.connect(node.wsUri("/ws"))) {
        peer.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
      }
      // The line is written after the ServerHello is queued, so it may come after the client read it.
      ILoggingEvent joined = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (joined == null && System.nanoTime() < deadline) {
        for (ILoggingEvent e : events) {
          if (e.getFormattedMessage().startsWith("peer joined") && session.equals(e.getMDCPropertyMap().get("session_id"))) {
            joined = e;
          }
        }
        if (joined == null) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      assertTrue(joined != null, "no 'peer joined' line for the session");
      String thread = joined.getThreadName();
      assertTrue(thread.contains("pekko.actor.default-dispatcher") || thread.startsWith("edge-io-"),
          "join reply handled on " + thread);
    } finally {
      relayLog.setLevel(level);
      relayLog.detachAppender(capture);
      capture.stop();
    }
  }

  @Test
  void socketsThatEndInAnyWayAreForgotten() throws Exception {
    int before = connections();
    String session = RelayTokens.newSessionId();
    List<RawRelayClient> peers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RawRelayClient peer = RawRelayClient.connect(node.wsUri("/ws"));
      peers.add(peer);
      // Half join, half stay in the handshake: both kinds must be forgotten when they go.
      if (i % 2 == 0) peer.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    }
    awaitConnections(before + 6);
    for (RawRelayClient peer : peers) peer.close();
    awaitConnections(before);
    assertFalse(peers.isEmpty());
  }

  private void awaitConnections(int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int seen = -1;
    while (System.nanoTime() < deadline) {
      seen = connections();
      if (seen == expected) return;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new AssertionError("expected " + expected + " relay connections, saw " + seen);
  }

  private int connections() throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(node.uri("/debug/stats")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = CONNECTIONS.matcher(body);
    if (!m.find()) throw new AssertionError("no connection count in " + body);
    return Integer.parseInt(m.group(1));
  }
}
