package io.lifeguard.load;

import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.ServerHello;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One generator connection: the RFC 6455 upgrade, then (for Lifeguard) the ClientHello and the
 * wait for the ServerHello; afterwards pongs for pings and protocol heartbeats: answers to the
 * node's when the ServerHello granted HEARTBEAT_ANSWER, else at the interval the ServerHello
 * named, with a random first delay so 10k sockets do not beat in step. Runs on
 * the connection's event loop only.
 */
final class EdgeClientHandler extends SimpleChannelInboundHandler<Object> {
  private final EdgeClients.Target target;
  private final CompletableFuture<Channel> result;
  private final Consumer<String> outcomes;
  /** Binary messages after the ServerHello (the chaos generator's DATA frames); null drops them. */
  private final Consumer<ByteBuf> frames;
  private WebSocketClientHandshaker handshaker;
  private volatile boolean upgraded;
  private volatile Channel channelOrNull;
  private long heartbeatSeq;
  /** The ServerHello granted HEARTBEAT_ANSWER: answer the node's heartbeats, keep no timer. */
  private boolean answerHeartbeats;
  private String closeDetail = "tcp_closed";

  EdgeClientHandler(EdgeClients.Target target, CompletableFuture<Channel> result, Consumer<String> outcomes,
      Consumer<ByteBuf> frames) {
    this.target = target;
    this.result = result;
    this.outcomes = outcomes;
    this.frames = frames;
    // 65,543 bytes is the protocol's largest message (docs/protocol.md §1).
    DefaultHttpHeaders headers = new DefaultHttpHeaders();
    target.headers().forEach(headers::add);
    this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(target.uri(), WebSocketVersion.V13, null, false,
        headers, 65_543);
  }

  boolean upgraded() {
    return upgraded;
  }

  String closeDetail() {
    return closeDetail;
  }

  /** Ends a connection that is not ready yet; a no-op once it is ready or already failed. */
  void fail(String outcome) {
    if (result.isDone()) return;
    outcomes.accept(outcome);
    result.completeExceptionally(new IllegalStateException(outcome));
    Channel ch = channelOrNull;
    if (ch != null) ch.close();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channelOrNull = ctx.channel();
    handshaker.handshake(ctx.channel());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(upgraded ? "closed_before_server_hello:" + closeDetail : "closed_before_upgrade");
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
    Channel ch = ctx.channel();
    if (!upgraded) {
      if (!(msg instanceof FullHttpResponse response)) return;
      try {
        handshaker.finishHandshake(ch, response);
      } catch (RuntimeException e) {
        fail("upgrade_refused:" + response.status().code());
        return;
      }
      upgraded = true;
      handshaker = null;
      if (target.hello() == null) {
        ready(ch, 0);
      } else {
        ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(target.hello())));
      }
      return;
    }
    if (answerHeartbeats && msg instanceof BinaryWebSocketFrame binary && isHeartbeat(binary.content())) {
      byte[] frame = FrameCodec.encode(Frame.heartbeat(heartbeatSeq++ & Frame.MAX_SEQ));
      ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    } else if (msg instanceof PingWebSocketFrame ping) {
      ch.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
    } else if (msg instanceof CloseWebSocketFrame close) {
      closeDetail = "close_" + close.statusCode();
      ch.close();
    } else if (msg instanceof BinaryWebSocketFrame binary && !result.isDone()) {
      onServerHello(ch, binary.content());
    } else if ((msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) && target.frames() != null) {
      target.frames().frame(((WebSocketFrame) msg).content());
    } else if (msg instanceof BinaryWebSocketFrame binary && frames != null) {
      frames.accept(binary.content());
    } else if (!(msg instanceof WebSocketFrame)) {
      fail("unexpected_message");
    }
  }

  private void onServerHello(Channel ch, ByteBuf content) {
    byte[] bytes = ByteBufUtil.getBytes(content);
    if (!HelloCodec.looksLikeHello(bytes)) {
      // A refused handshake: the node's CLOSE frame says why (and whether to reconnect).
      try {
        Frame frame = FrameCodec.decode(bytes);
        if (frame.kind() == FrameKind.CLOSE) {
          closeDetail = "close_" + frame.closeReason().wsCode();
          fail("refused:" + frame.closeReason().wireName() + ":" + closeDetail);
          return;
        }
      } catch (RuntimeException notAFrame) {
        // counted below
      }
      fail("frame_before_server_hello");
      return;
    }
    try {
      ServerHello hello = HelloCodec.decodeServerHello(bytes);
      answerHeartbeats = FeatureBits.has(hello.featuresBitmap(), FeatureBits.HEARTBEAT_ANSWER);
      ready(ch, answerHeartbeats ? 0 : hello.heartbeatIntervalSeconds());
    } catch (RuntimeException e) {
      fail("bad_server_hello");
    }
  }

  /** A HEARTBEAT frame: the 8-byte header alone, kind 2 (docs/protocol.md §4). */
  private static boolean isHeartbeat(ByteBuf content) {
    return content.readableBytes() == FrameCodec.HEADER_LENGTH
        && content.getByte(content.readerIndex() + 1) == FrameKind.HEARTBEAT.code();
  }

  private void ready(Channel ch, int heartbeatSeconds) {
    if (!result.complete(ch)) return;
    if (heartbeatSeconds <= 0) return;
    long periodMillis = TimeUnit.SECONDS.toMillis(heartbeatSeconds);
    long firstMillis = ThreadLocalRandom.current().nextLong(periodMillis);
    ScheduledFuture<?> beats = ch.eventLoop().scheduleAtFixedRate(() -> {
      byte[] frame = FrameCodec.encode(Frame.heartbeat(heartbeatSeq++ & Frame.MAX_SEQ));
      ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    }, firstMillis, periodMillis, TimeUnit.MILLISECONDS);
    ch.closeFuture().addListener(f -> beats.cancel(false));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeDetail = "error_" + cause.getClass().getSimpleName();
    fail("error:" + cause.getClass().getSimpleName());
    ctx.close();
  }
}
