package io.lifeguard.node.edge;

import io.lifeguard.node.http.Json;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The first handler of every edge connection: reads one HTTP request, asks the matching {@link
 * EdgeRoute}, and either answers it (a refusal, a probe, a 404) and closes, or performs the
 * WebSocket handshake and hands the connection to an {@link EdgeSocket}. A connection that sends no
 * complete request within the request timeout is closed.
 */
final class UpgradeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final EdgeServer server;
  private ScheduledFuture<?> deadline;
  private boolean answered;

  UpgradeHandler(EdgeServer server) {
    this.server = server;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    deadline = ctx.executor().schedule(() -> {
      if (!answered) ctx.close();
    }, server.settings().requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (deadline != null) deadline.cancel(false);
    ctx.fireChannelInactive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (answered) return;
    answered = true;
    if (!request.decoderResult().isSuccess()) {
      respond(ctx, 400, "bad_request", "malformed HTTP request", Map.of());
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    List<String> segments = segments(uri.path());
    if (segments.size() == 1 && request.method().equals(HttpMethod.GET)
        && (segments.get(0).equals("ready") || segments.get(0).equals("healthz"))) {
      probe(ctx, segments.get(0));
      return;
    }
    EdgeRoute route = server.route(segments);
    if (route == null) {
      respond(ctx, 404, "not_found", "no WebSocket endpoint at " + uri.path(), Map.of());
      return;
    }
    if (!request.method().equals(HttpMethod.GET)) {
      respond(ctx, 405, "method_not_allowed", "only GET (a WebSocket upgrade) is served here", Map.of("Allow", "GET"));
      return;
    }
    EdgeRequest edgeRequest = new EdgeRequest(uri.path(), segments, uri.parameters(), request.headers(),
        clientAddress(ctx), isUpgrade(request));
    CompletionStage<EdgeUpgrade> decision;
    try {
      decision = route.upgrade(edgeRequest);
    } catch (RuntimeException e) {
      respond(ctx, 500, "internal_error", "the route failed: " + e.getClass().getSimpleName(), Map.of());
      return;
    }
    var done = decision.toCompletableFuture();
    if (done.isDone() && !done.isCompletedExceptionally()) {
      decide(ctx, request, done.join());
      return;
    }
    // Asynchronous checks (the bridge's Redis token): keep the request until they answer.
    request.retain();
    ctx.channel().config().setAutoRead(false);
    decision.whenComplete((upgrade, error) -> ctx.executor().execute(() -> {
      try {
        if (!ctx.channel().isActive()) {
          if (upgrade instanceof EdgeUpgrade.Accept) abandon(upgrade);
          return;
        }
        ctx.channel().config().setAutoRead(true);
        if (error != null) respond(ctx, 500, "internal_error", "the route failed", Map.of());
        else decide(ctx, request, upgrade);
      } finally {
        request.release();
      }
    }));
  }

  /** An accepted upgrade whose client left first: its handler still hears that it ended. */
  private static void abandon(EdgeUpgrade upgrade) {
    ((EdgeUpgrade.Accept) upgrade).handler().apply(Closed.INSTANCE).terminated();
  }

  private void decide(ChannelHandlerContext ctx, FullHttpRequest request, EdgeUpgrade upgrade) {
    if (upgrade instanceof EdgeUpgrade.Refuse refuse) {
      respond(ctx, refuse.status(), refuse.code(), refuse.message(), refuse.headers());
      return;
    }
    EdgeUpgrade.Accept accept = (EdgeUpgrade.Accept) upgrade;
    if (!isUpgrade(request)) {
      respond(ctx, 400, "websocket_upgrade_required", "Expected WebSocket Upgrade request", Map.of());
      return;
    }
    WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(accept.maxMessageBytes())
        .allowExtensions(false)
        .closeOnProtocolViolation(false)
        .build();
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory(null, null, decoder).newHandshaker(request);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      abandon(upgrade);
      return;
    }
    EdgeSocket socket = new EdgeSocket(ctx.channel(), accept.maxMessageBytes(), accept.outboundCapacity(),
        server.settings().closeTimeout().toMillis(), server::closed, server::loopFor);
    if (deadline != null) deadline.cancel(false);
    handshaker.handshake(ctx.channel(), request);
    // Text is checked for UTF-8 where it is decoded (EdgeSocket, Utf8Text), in one pass.
    ctx.pipeline().replace(this, "socket", socket);
    server.opened(socket);
    socket.start(accept.handler().apply(socket));
  }

  private void probe(ChannelHandlerContext ctx, String which) {
    boolean ok = which.equals("healthz") || server.ready();
    respond(ctx, ok ? 200 : 503, null, null, Map.of(), Json.write(Map.of("status", ok ? "ok" : "unavailable", "port", "edge")));
  }

  private void respond(ChannelHandlerContext ctx, int status, String code, String message, Map<String, String> headers) {
    server.refused(status);
    respond(ctx, status, code, message, headers, Json.write(Map.of("error", code, "message", message)));
  }

  private static void respond(ChannelHandlerContext ctx, int status, String code, String message,
      Map<String, String> headers, String body) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    headers.forEach(response.headers()::set);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  static boolean isUpgrade(FullHttpRequest request) {
    return request.method().equals(HttpMethod.GET)
        && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && request.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_KEY);
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>(4);
    for (String raw : path.split("/")) {
      if (!raw.isEmpty()) out.add(QueryStringDecoder.decodeComponent(raw));
    }
    return out;
  }

  private static String clientAddress(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : "unknown";
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** The outbound side handed to a handler whose socket never opened: everything is refused. */
  enum Closed implements Outbound {
    INSTANCE;

    @Override
    public Offer offer(WsOut message) {
      return Offer.CLOSED;
    }

    @Override
    public Offer offer(WsOut message, Written written) {
      return Offer.CLOSED;
    }

    @Override
    public void complete() {}

    @Override
    public int size() {
      return 0;
    }

    @Override
    public long pendingBytes() {
      return 0;
    }

    @Override
    public boolean isClosed() {
      return true;
    }

    @Override
    public java.util.concurrent.Executor ioThread() {
      return Runnable::run;
    }
  }
}
