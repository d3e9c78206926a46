package io.lifeguard.node.websocket;

import java.time.Duration;
import org.apache.pekko.http.impl.engine.ws.FrameEvent$;
import org.apache.pekko.http.impl.engine.ws.FrameHandler;
import org.apache.pekko.http.impl.engine.ws.Protocol;
import org.apache.pekko.http.impl.engine.ws.WebSocket;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import scala.Option;

/**
 * The message layer between pekko-http's WebSocket frame handling and a handler, replacing
 * pekko-http's own: it assembles frames into complete messages up to a size limit, renders the
 * handler's messages, and — what pekko-http's public API cannot do — turns the handler's {@link
 * WsOut.Close} into a close frame with the chosen status code. One stage per socket; its only timer
 * runs while a close handshake is pending.
 *
 * <p>Built on pekko-http 1.3 internals ({@code FrameHandler.Output} in, {@code FrameOutHandler}
 * input out), which is why this file is the only one that touches them.
 */
final class MessageLayer extends GraphStage<BidiShape<Object, WsIn, WsOut, Object>> {
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Object TICK_EVENT = WebSocket.Tick$.MODULE$;
  private static final WsIn.Ping PING = new WsIn.Ping();
  // RFC 6455 opcodes; pekko's case objects for them are not accessible from Java.
  private static final Protocol.Opcode BINARY = Protocol.Opcode$.MODULE$.forCode((byte) 2);
  private static final Protocol.Opcode TEXT = Protocol.Opcode$.MODULE$.forCode((byte) 1);

  private final Inlet<Object> framesIn = Inlet.create("MessageLayer.framesIn");
  private final Outlet<WsIn> messagesOut = Outlet.create("MessageLayer.messagesOut");
  private final Inlet<WsOut> handlerIn = Inlet.create("MessageLayer.handlerIn");
  private final Outlet<Object> framesOut = Outlet.create("MessageLayer.framesOut");
  private final BidiShape<Object, WsIn, WsOut, Object> shape = BidiShape.of(framesIn, messagesOut, handlerIn, framesOut);
  private final int maxMessageBytes;

  MessageLayer(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public BidiShape<Object, WsIn, WsOut, Object> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private ByteStringBuilder binary;
      private StringBuilder text;
      private long discarding = -1;
      private boolean discardingText;
      private boolean closing;

      {
        setHandler(framesIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            onFrameEvent(grab(framesIn));
          }

          @Override
          public void onUpstreamFinish() {
            complete(messagesOut);
            completeStage();
          }
        });
        setHandler(messagesOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!hasBeenPulled(framesIn) && !isClosed(framesIn)) pull(framesIn);
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            // The handler stopped reading; keep draining frames so control frames still flow.
            if (!hasBeenPulled(framesIn) && !isClosed(framesIn)) pull(framesIn);
          }
        });
        setHandler(handlerIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            onHandlerMessage(grab(handlerIn));
          }

          @Override
          public void onUpstreamFinish() {
            if (!closing) startClose(FrameHandler.UserHandlerCompleted$.MODULE$);
          }

          @Override
          public void onUpstreamFailure(Throwable ex) {
            if (!closing) startClose(new FrameHandler.UserHandlerErredOut(ex));
          }
        });
        setHandler(framesOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!closing && !hasBeenPulled(handlerIn) && !isClosed(handlerIn)) pull(handlerIn);
          }
        });
      }

      @Override
      public void preStart() {
        pull(framesIn);
      }

      private void onFrameEvent(Object event) {
        if (event instanceof FrameHandler.BinaryMessagePart part) {
          appendBinary(part.data(), part.last());
        } else if (event instanceof FrameHandler.TextMessagePart part) {
          appendText(part.data(), part.last());
        } else if (event instanceof FrameHandler.PeerClosed || event instanceof FrameHandler.ActivelyCloseWithCode) {
          // Either side's close: frame handling answers or waits for us; the handler gets no more.
          emit(framesOut, event);
          complete(messagesOut);
          if (event instanceof FrameHandler.ActivelyCloseWithCode) closing = true;
          scheduleTicks();
        } else if (event instanceof FrameHandler.BypassEvent) {
          emit(framesOut, event); // the pong answering a client's ping
          if (event instanceof FrameHandler.DirectAnswer && isAvailable(messagesOut)) push(messagesOut, PING);
        }
        // MessageEnd and anything else carry nothing for the handler.
        if (!isClosed(framesIn) && !hasBeenPulled(framesIn) && (isAvailable(messagesOut) || isClosed(messagesOut))) {
          pull(framesIn);
        }
      }

      private void appendBinary(ByteString data, boolean last) {
        if (discarding >= 0) {
          discarding += data.size();
          if (last) tooBig(false);
          return;
        }
        if (binary == null) binary = new ByteStringBuilder();
        if (binary.length() + data.size() > maxMessageBytes) {
          discarding = binary.length() + data.size();
          binary = null;
          if (last) tooBig(false);
          return;
        }
        binary.append(data);
        if (last) {
          ByteString message = binary.result();
          binary = null;
          deliver(new WsIn.Binary(message));
        }
      }

      private void appendText(String data, boolean last) {
        if (discarding >= 0) {
          discarding += data.length();
          if (last) tooBig(true);
          return;
        }
        if (text == null) text = new StringBuilder();
        // Characters never outnumber UTF-8 bytes, so this bound is safe; the handler checks bytes.
        if (text.length() + data.length() > maxMessageBytes) {
          discarding = text.length() + data.length();
          text = null;
          if (last) tooBig(true);
          return;
        }
        text.append(data);
        if (last) {
          String message = text.toString();
          text = null;
          deliver(new WsIn.Text(message));
        }
      }

      private void tooBig(boolean isText) {
        long size = discarding;
        discarding = -1;
        deliver(new WsIn.TooBig(size, isText));
      }

      private void deliver(WsIn message) {
        if (!isClosed(messagesOut)) push(messagesOut, message);
      }

      private void onHandlerMessage(WsOut message) {
        if (closing) return;
        if (message instanceof WsOut.Binary binaryOut) {
          push(framesOut, dataFrame(BINARY, binaryOut.data()));
        } else if (message instanceof WsOut.Text textOut) {
          push(framesOut, dataFrame(TEXT, ByteString.fromString(textOut.text())));
        } else if (message instanceof WsOut.Close close) {
          startClose(new FrameHandler.ActivelyCloseWithCode(Option.apply((Object) close.code()), close.reason()));
          cancel(handlerIn);
        }
      }

      private void startClose(Object closeEvent) {
        closing = true;
        emit(framesOut, closeEvent);
        scheduleTicks();
      }

      private void scheduleTicks() {
        if (!isTimerActive("tick")) scheduleWithFixedDelay("tick", TICK, TICK);
      }

      @Override
      public void onTimer(Object key) {
        // Frame handling enforces its close timeout only when an element passes by.
        if (isAvailable(framesOut)) push(framesOut, TICK_EVENT);
      }
    };
  }

  private static Object dataFrame(Protocol.Opcode opcode, ByteString data) {
    return FrameEvent$.MODULE$.fullFrame(opcode, Option.empty(), data, true, false, false, false);
  }
}
