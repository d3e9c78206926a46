package io.lifeguard.node.websocket;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.ws.UpgradeToWebSocketLowLevel;
import org.apache.pekko.http.impl.engine.ws.WebSocket$;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.javadsl.Flow;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Upgrades a request to a WebSocket whose handler speaks {@link WsIn}/{@link WsOut}: complete
 * messages in, messages and a close with a chosen status code out.
 *
 * <p>pekko-http 1.3 offers no public way for a server to pick the close code (akka-http issue
 * #2458: completing the handler sends 1000, failing it 1011). Its frame-level upgrade accepts a
 * frame handler, so this keeps pekko's masking and frame handling (control frames, pings, the close
 * handshake and its timeout) and replaces only the message layer. It relies on pekko-http internals
 * pinned at the version in the root pom; {@code WebSocketCloseCodeTest} fails if they change.
 */
public final class WebSocketUpgrade {
  private static final FiniteDuration CLOSE_TIMEOUT = FiniteDuration.fromNanos(Duration.ofSeconds(3).toNanos());

  private WebSocketUpgrade() {}

  /**
   * Masking, frame handling and the message layer below a handler: an immutable blueprint, so a
   * route builds it once and joins each socket's handler to it, rather than composing the three on
   * every handshake (that composing was about 1.5% of a relay handshake's CPU).
   */
  public static final class Layers {
    @SuppressWarnings("rawtypes")
    private final org.apache.pekko.stream.scaladsl.BidiFlow stack;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Layers(int maxMessageBytes, LoggingAdapter log) {
      // ThreadLocalRandom.current() is one object that uses the calling thread's state: safe to share.
      scala.Function0<Random> random = ThreadLocalRandom::current;
      org.apache.pekko.stream.scaladsl.BidiFlow masking = WebSocket$.MODULE$.masking(true, random);
      org.apache.pekko.stream.scaladsl.BidiFlow frames = WebSocket$.MODULE$.frameHandling(true, CLOSE_TIMEOUT, log);
      org.apache.pekko.stream.scaladsl.BidiFlow messages =
          org.apache.pekko.stream.scaladsl.BidiFlow.fromGraph(new MessageLayer(maxMessageBytes));
      this.stack = masking.atop(frames).atop(messages);
    }
  }

  /** The layers for messages up to {@code maxMessageBytes}, logging through {@code log}. */
  public static Layers layers(int maxMessageBytes, LoggingAdapter log) {
    return new Layers(maxMessageBytes, log);
  }

  /** The 101 response running {@code handler}, or empty when the request is not a WebSocket upgrade. */
  public static Optional<HttpResponse> upgrade(HttpRequest request, Flow<WsIn, WsOut, ?> handler, Layers layers) {
    return request.getAttribute(AttributeKeys.webSocketUpgrade).map(u -> upgrade(u, handler, layers));
  }

  /** The 101 response for an upgrade pekko-http already recognised. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static HttpResponse upgrade(org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade upgrade,
      Flow<WsIn, WsOut, ?> handler, Layers layers) {
    if (!(upgrade instanceof UpgradeToWebSocketLowLevel lowLevel)) {
      throw new IllegalStateException("pekko-http no longer provides its frame-level upgrade: " + upgrade.getClass());
    }
    org.apache.pekko.stream.scaladsl.Flow stack = layers.stack.join(handler.asScala());
    return lowLevel.handleFrames(stack, Option.empty());
  }
}
