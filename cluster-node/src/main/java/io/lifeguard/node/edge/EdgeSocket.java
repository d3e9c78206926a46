package io.lifeguard.node.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upgraded WebSocket: assembles inbound frames into messages up to a size limit and hands them
 * to its {@link SocketHandler} one at a time, answers pings, runs the close handshake, and is the
 * socket's bounded {@link Outbound}.
 *
 * <p>Backpressure both ways is the socket's own: while the handler works on a message the socket
 * stops reading (Netty's {@code autoRead}), and outbound messages count against a capacity until
 * Netty has written them to the kernel, so a client that stops reading fills its capacity and
 * further offers are {@link Offer#DROPPED} for the handler to count or act on.
 *
 * <p>Everything but {@link #offer} and {@link #complete} runs on the socket's event loop; those two
 * hop onto it, so writes keep the order they were offered in and nothing follows the close frame.
 *
 * <p>The event loop can change once ({@link #moveTo}: a relay socket goes to its session's thread).
 * Hence {@code loop} is read afresh each time, and a task that finds itself on the thread the socket
 * left passes itself on to the new one.
 */
final class EdgeSocket extends ChannelInboundHandlerAdapter implements Outbound {
  private static final Logger log = LoggerFactory.getLogger(EdgeSocket.class);
  private static final WsIn.Ping PING = new WsIn.Ping();

  private final Channel channel;
  /** The socket's event loop; changes only in {@link #moveTo}, set before the new loop runs anything of ours. */
  private volatile EventLoop loop;
  /** The event loop for a key, or null when sockets stay where they were accepted. */
  private final java.util.function.Function<String, EventLoop> placement;
  private final int maxMessageBytes;
  private final int capacity;
  private final long closeTimeoutMillis;
  private final java.util.function.Consumer<EdgeSocket> onEnd;
  private SocketHandler handler;
  /** The WebSocket encoder's context: a write from it goes to the transport unencoded. */
  private ChannelHandlerContext encoderContext;

  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong pendingBytes = new AtomicLong();
  /** Writes handed to the event loop as tasks and not yet run. */
  private final AtomicInteger scheduled = new AtomicInteger();
  /** Set by the first close offered (any thread); offers fail from then on. */
  private volatile boolean closed;

  // Event-loop state.
  private boolean closeSent;
  private boolean ended;
  private ScheduledFuture<?> closeTimer;
  private ByteBuf fragments;
  private boolean fragmentsText;
  private long discarding = -1;
  private boolean busy;
  private final ArrayDeque<WsIn> backlog = new ArrayDeque<>(2);
  /** Written since the last flush; the thread's {@link DeferredFlushes} holds this socket meanwhile. */
  private boolean flushPending;

  EdgeSocket(Channel channel, int maxMessageBytes, int capacity, long closeTimeoutMillis,
      java.util.function.Consumer<EdgeSocket> onEnd, java.util.function.Function<String, EventLoop> placement) {
    this.channel = channel;
    this.loop = channel.eventLoop();
    this.placement = placement;
    this.maxMessageBytes = maxMessageBytes;
    this.capacity = capacity;
    this.closeTimeoutMillis = closeTimeoutMillis;
    this.onEnd = onEnd;
  }

  /** Attaches the handler; must run on the event loop before the first inbound frame. */
  void start(SocketHandler handler) {
    this.handler = handler;
    this.encoderContext = channel.pipeline().context("wsencoder");
    if (!channel.isActive()) end();
  }

  // Inbound.

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    try {
      onFrame(frame);
    } finally {
      frame.release();
    }
  }

  private void onFrame(WebSocketFrame frame) {
    if (frame instanceof PingWebSocketFrame) {
      if (!closeSent) channel.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
      if (!busy && backlog.isEmpty() && !closeSent) deliver(PING);
      return;
    }
    if (frame instanceof PongWebSocketFrame) return;
    if (frame instanceof CloseWebSocketFrame close) {
      onPeerClose(close);
      return;
    }
    if (closeSent) return; // the node is closing: data after our close frame is discarded
    boolean start = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
    if (start) {
      fragmentsText = frame instanceof TextWebSocketFrame;
      discarding = -1;
      releaseFragments();
      if (frame.isFinalFragment()) {
        ByteBuf content = frame.content();
        if (content.readableBytes() > maxMessageBytes) {
          deliver(new WsIn.TooBig(content.readableBytes(), java.util.Optional.of(fragmentsText)));
        } else {
          deliverOrFail(message(content, fragmentsText));
        }
        return;
      }
    } else if (!(frame instanceof ContinuationWebSocketFrame)) {
      return;
    }
    append(frame.content(), frame.isFinalFragment());
  }

  private void append(ByteBuf content, boolean last) {
    if (discarding >= 0) {
      discarding += content.readableBytes();
    } else {
      int held = fragments == null ? 0 : fragments.readableBytes();
      if ((long) held + content.readableBytes() > maxMessageBytes) {
        discarding = (long) held + content.readableBytes();
        releaseFragments();
      } else {
        if (fragments == null) fragments = channel.alloc().buffer(Math.max(256, content.readableBytes() * 2));
        fragments.writeBytes(content);
      }
    }
    if (!last) return;
    if (discarding >= 0) {
      long size = discarding;
      discarding = -1;
      deliver(new WsIn.TooBig(size, java.util.Optional.of(fragmentsText)));
    } else {
      WsIn message = message(fragments, fragmentsText);
      releaseFragments();
      deliverOrFail(message);
    }
  }

  /** The message, or null for a text message whose bytes are not UTF-8. */
  private static WsIn message(ByteBuf content, boolean text) {
    if (text) {
      String decoded = Utf8Text.decode(content);
      return decoded == null ? null : new WsIn.Text(decoded);
    }
    return new WsIn.Binary(ByteString.fromArrayUnsafe(ByteBufUtil.getBytes(content)));
  }

  /** Hands {@code message} on; text that is not UTF-8 fails the connection with 1007 instead. */
  private void deliverOrFail(WsIn message) {
    if (message != null) {
      deliver(message);
    } else {
      sendClose(WebSocketCloseStatus.INVALID_PAYLOAD_DATA.code(), WebSocketCloseStatus.INVALID_PAYLOAD_DATA.reasonText());
    }
  }

  private void releaseFragments() {
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
  }

  private void deliver(WsIn message) {
    if (busy) {
      if (!(message instanceof WsIn.Ping)) backlog.add(message);
      return;
    }
    CompletionStage<?> result;
    try {
      result = handler.onMessage(message);
    } catch (RuntimeException e) {
      failed(e);
      return;
    }
    CompletableFuture<?> future = result.toCompletableFuture();
    if (future.isDone() && !future.isCompletedExceptionally()) return;
    busy = true;
    channel.config().setAutoRead(false);
    result.whenComplete((value, error) -> onLoop(() -> handled(error)));
  }

  private void handled(Throwable error) {
    busy = false;
    if (error != null) {
      failed(error);
      return;
    }
    while (!busy && !backlog.isEmpty() && !ended) deliver(backlog.poll());
    if (!busy && !ended) {
      channel.config().setAutoRead(true);
      channel.read();
    }
  }

  private void failed(Throwable error) {
    log.warn("socket handler failed; closing with 1011: {}", error.toString());
    sendClose(WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "internal error");
  }

  private void onPeerClose(CloseWebSocketFrame close) {
    if (closeSent) {
      channel.close();
      return;
    }
    // Echo the client's code (RFC 6455 5.5.1), then end the TCP connection as the server should.
    closeSent = true;
    closed = true;
    int code = close.statusCode();
    CloseWebSocketFrame reply = code > 0 ? new CloseWebSocketFrame(code, null) : new CloseWebSocketFrame();
    channel.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException corrupt) {
      // The decoder refuses the rest of the stream after a violation, so the close cannot be answered.
      if (corrupt.closeStatus() != null && corrupt.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()
          && !closeSent && !busy && handler != null) {
        deliver(new WsIn.TooBig((long) maxMessageBytes + 1, java.util.Optional.empty()));
        if (!closeSent) sendClose(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "message too big");
        return;
      }
      int code = corrupt.closeStatus() != null ? corrupt.closeStatus().code() : WebSocketCloseStatus.PROTOCOL_ERROR.code();
      sendClose(code, corrupt.closeStatus() != null ? corrupt.closeStatus().reasonText() : "protocol error");
      return;
    }
    if (!(cause instanceof IOException)) log.debug("edge socket error: {}", cause.toString());
    channel.close();
  }

  /**
   * The end of one read of this socket: every socket the messages of that read were written to
   * (its session's peers on this thread) is flushed now, once.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    DeferredFlushes.current().flushAll();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    end();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseFragments();
  }

  private void end() {
    if (ended) return;
    ended = true;
    closed = true;
    if (closeTimer != null) closeTimer.cancel(false);
    backlog.clear();
    releaseFragments();
    onEnd.accept(this);
    if (handler != null) handler.terminated();
  }

  // Outbound: any thread.

  @Override
  public Offer offer(WsOut message) {
    return offer(message, null, null);
  }

  @Override
  public Offer offer(WsOut message, Written written) {
    return offer(message, written, null);
  }

  @Override
  public Offer offer(WsOut message, WriteBatch batch) {
    return offer(message, null, batch);
  }

  private Offer offer(WsOut message, Written written, WriteBatch batch) {
    if (closed) return Offer.CLOSED;
    if (message instanceof WsOut.Close close) {
      closed = true;
      scheduled.incrementAndGet();
      loop.execute(() -> onLoop(() -> {
        scheduled.decrementAndGet();
        sendClose(close.code(), close.reason());
      }));
      return Offer.ENQUEUED;
    }
    if (pending.incrementAndGet() > capacity) {
      pending.decrementAndGet();
      return Offer.DROPPED;
    }
    int bytes = message instanceof WsOut.Binary b ? b.data().length()
        : message instanceof WsOut.Shared s ? s.frame().payloadBytes() : ((WsOut.Text) message).text().length();
    pendingBytes.addAndGet(bytes);
    // The write (or its discarding) gives this reference back.
    if (message instanceof WsOut.Shared s) s.frame().retain();
    // On the socket's own thread a write may go out at once, unless earlier offers from other
    // threads still wait in the loop's task queue: it must not overtake them.
    EventLoop current = loop;
    if (current.inEventLoop() && scheduled.get() == 0) {
      write(message, bytes, written);
    } else {
      scheduled.incrementAndGet();
      WriteTask task = new WriteTask(message, bytes, written);
      if (batch != null) batch.add(current, task);
      else current.execute(task);
    }
    return Offer.ENQUEUED;
  }

  /** A write handed to the event loop; on the thread the socket left, it passes itself on. */
  private final class WriteTask implements Runnable {
    private final WsOut message;
    private final int bytes;
    private final Written written;

    WriteTask(WsOut message, int bytes, Written written) {
      this.message = message;
      this.bytes = bytes;
      this.written = written;
    }

    @Override
    public void run() {
      EventLoop current = loop;
      if (!current.inEventLoop()) {
        current.execute(this);
        return;
      }
      scheduled.decrementAndGet();
      write(message, bytes, written);
    }
  }

  /** Runs {@code action} on the socket's event loop: here if this is it, else as a task there. */
  private void onLoop(Runnable action) {
    EventLoop current = loop;
    if (current.inEventLoop()) action.run();
    else current.execute(() -> onLoop(action));
  }

  /**
   * Moves the channel to the event loop {@code key} maps to: deregistered from this one (in a later
   * task of this loop, after what is queued now), registered on the other; nothing is read in
   * between (the handler is busy with the message that called this, so reading is off). Not moved
   * when already there, when placement is off, when writes from other threads are still queued for
   * this loop (they could be overtaken) or once closing.
   */
  @Override
  public java.util.concurrent.CompletionStage<Void> moveTo(String key) {
    EventLoop from = loop;
    EventLoop target = placement == null ? null : placement.apply(key);
    if (target == null || target == from || !from.inEventLoop() || scheduled.get() != 0 || closed || ended
        || !channel.isRegistered()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> moved = new CompletableFuture<>();
    // What this thread wrote must leave from here: the new thread's flushes do not know of it.
    flushDeferred();
    channel.deregister().addListener(deregistered -> {
      // Runs on the old loop; the channel's loop is the new one from register() on, and our own
      // field follows at once, so every task queued from now on waits behind the registration.
      if (!deregistered.isSuccess()) {
        moved.complete(null);
        return;
      }
      target.register(channel).addListener(registered -> {
        if (!registered.isSuccess()) {
          // Closed meanwhile: no channelInactive will come from a channel that is on no loop.
          log.debug("edge socket not re-registered: {}", String.valueOf(registered.cause()));
          channel.unsafe().closeForcibly();
          end();
        }
        moved.complete(null);
      });
      loop = target;
    });
    return moved;
  }

  @Override
  public Offer offerConstant(ConstantFrame message) {
    if (closed) return Offer.CLOSED;
    // In place only where it cannot overtake an earlier offer still queued for this thread (the
    // ServerHello must come first) and only before the close frame.
    if (!loop.inEventLoop() || scheduled.get() != 0 || closeSent || ended || encoderContext == null) {
      return offer(new WsOut.Binary(message.payload()));
    }
    if (pending.get() >= capacity) return Offer.DROPPED;
    // No promise, listener or frame object: a failed write reaches exceptionCaught, which closes.
    encoderContext.writeAndFlush(message.forOneWrite(), encoderContext.voidPromise());
    return Offer.ENQUEUED;
  }

  private void write(WsOut message, int bytes, Written written) {
    if (closeSent || ended) {
      if (message instanceof WsOut.Shared s) s.frame().release();
      settle(bytes, written, false);
      return;
    }
    if (message instanceof WsOut.Shared s) {
      // Already a frame: written from the WebSocket encoder's place in the pipeline, so it goes to
      // the transport as bytes without passing the handlers in between.
      var out = encoderContext != null ? encoderContext : channel.pipeline().lastContext();
      out.write(s.frame().view(), new Settling(bytes, written));
    } else {
      WebSocketFrame frame = message instanceof WsOut.Binary b
          ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b.data().asByteBuffer()))
          : new TextWebSocketFrame(((WsOut.Text) message).text());
      channel.write(frame, new Settling(bytes, written));
    }
    // Flushed with the other writes of this read (or of this pass of the loop): several frames
    // for this socket then leave in one send.
    if (!flushPending) {
      flushPending = true;
      DeferredFlushes.current().add(this, loop);
    }
  }

  /** Flushes what {@link #write} left unflushed. */
  void flushDeferred() {
    if (!flushPending) return;
    flushPending = false;
    // Off the socket's thread (only a list left behind by a move) Netty hands the flush over.
    if (encoderContext != null) encoderContext.flush();
    else channel.flush();
  }

  /**
   * A write's promise that settles the socket's counts once the write has reached the kernel (or
   * failed): one object per delivery where a promise and a capturing listener were two.
   */
  private final class Settling extends DefaultChannelPromise implements ChannelFutureListener {
    private final int bytes;
    private final Written written;

    Settling(int bytes, Written written) {
      super(channel);
      this.bytes = bytes;
      this.written = written;
      addListener(this);
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      settle(bytes, written, future.isSuccess());
    }
  }

  private void settle(int bytes, Written written, boolean delivered) {
    pending.decrementAndGet();
    pendingBytes.addAndGet(-bytes);
    if (written != null) written.written(delivered);
  }

  @Override
  public void complete() {
    offer(new WsOut.Close(WebSocketCloseStatus.NORMAL_CLOSURE.code(), ""));
  }

  @Override
  public int size() {
    return Math.max(0, pending.get());
  }

  @Override
  public long pendingBytes() {
    return Math.max(0, pendingBytes.get());
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public java.util.concurrent.Executor ioThread() {
    return loop;
  }

  @Override
  public java.util.concurrent.Executor ioThreadIfCurrent() {
    EventLoop current = loop;
    return current.inEventLoop() ? current : null;
  }

  /** Closes from the node's side with {@code code}; used by the edge itself (shutdown). */
  void closeFromNode(int code, String reason) {
    offer(new WsOut.Close(code, reason));
  }

  private void sendClose(int code, String reason) {
    closed = true;
    if (closeSent || ended) return;
    closeSent = true;
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
    // The client answers with its own close frame (onPeerClose ends the connection); one that
    // does not, or that stopped reading, is dropped after the close timeout.
    closeTimer = loop.schedule(() -> {
      channel.close();
    }, closeTimeoutMillis, TimeUnit.MILLISECONDS);
  }
}
