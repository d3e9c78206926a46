package io.lifeguard.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lean WebSocket load generator on Netty: thousands of sockets on one or two event-loop threads,
 * where a {@code java.net.http} WebSocket per connection would cost the generator more than the
 * server it measures. A connection is "ready" after the upgrade (a reference peer) or after the
 * ServerHello that answers its ClientHello (Lifeguard's relay); once ready it answers pings and,
 * when the peer named a heartbeat interval, sends protocol heartbeats at that interval.
 *
 * <p>Every open is bounded by a timeout; {@link #openAll} bounds concurrency; {@link #close} ends
 * every socket. Outcomes are counted by kind so a failed open tells a refused connect from a
 * missing upgrade answer.
 */
final class EdgeClients implements AutoCloseable {
  /**
   * What one connection does after the TCP connect; {@code hello} null means a plain upgrade.
   * {@code headers} go on the upgrade request (a bridge's bearer token); {@code frames}, when not
   * null, sees every data message the server sends once the connection is ready.
   */
  record Target(URI uri, byte[] hello, Map<String, String> headers, FrameSink frames) {
    Target(URI uri, byte[] hello) {
      this(uri, hello, Map.of(), null);
    }
  }

  /** Receives the data messages of a ready connection, on its event loop; must not keep {@code content}. */
  interface FrameSink {
    void frame(io.netty.buffer.ByteBuf content);
  }

  final LongAdder ready = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder droppedWhileHeld = new LongAdder();
  final LatencyHistogram openLatency = new LatencyHistogram();
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  /** Local addresses the sockets are bound to, round robin; empty: the kernel picks (127.0.0.1). */
  private final List<InetSocketAddress> sources;
  private final AtomicInteger nextSource = new AtomicInteger();
  private volatile boolean closing;

  EdgeClients(int threads) {
    this(threads, 0);
  }

  /**
   * {@code sourceAddresses} > 0 binds each socket to one of 127.0.0.2, 127.0.0.3, ... before it
   * connects: the kernel's ephemeral ports (net.ipv4.ip_local_port_range, ~28k) bound the
   * connections from one source address to one server port, so 100k sockets need several.
   */
  EdgeClients(int threads, int sourceAddresses) {
    List<InetSocketAddress> bind = new ArrayList<>();
    for (int i = 0; i < sourceAddresses; i++) bind.add(new InetSocketAddress("127.0.0." + (2 + i), 0));
    this.sources = List.copyOf(bind);
    boolean epoll = Epoll.isAvailable();
    DefaultThreadFactory factory = new DefaultThreadFactory("edge-clients", true);
    this.group = epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    this.bootstrap = new Bootstrap().group(group)
        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // The handler is added per connection in open(): it carries that connection's target.
          }
        });
  }

  /**
   * Opens every target, at most {@code concurrency} at a time, each given {@code timeout} from
   * its TCP connect to readiness. Returns the wall time from the first connect to the last outcome.
   */
  long openAll(List<Target> targets, int concurrency, Duration timeout) {
    Semaphore permits = new Semaphore(concurrency);
    List<CompletableFuture<Channel>> pending = new ArrayList<>(targets.size());
    long start = System.nanoTime();
    for (Target target : targets) {
      try {
        if (!permits.tryAcquire(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("opens stalled: no outcome within " + timeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      pending.add(open(target, timeout).whenComplete((ch, error) -> permits.release()));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((a, b) -> null)
        .orTimeout(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS).handle((a, b) -> null).join();
    return System.nanoTime() - start;
  }

  /** One connection: completes with its channel when ready, exceptionally (and counted) otherwise. */
  CompletableFuture<Channel> open(Target target, Duration timeout) {
    return open(target, timeout, null);
  }

  /**
   * One connection whose binary messages after the ServerHello go to {@code frames} (called on the
   * connection's event loop; the buffer is released after the call).
   */
  CompletableFuture<Channel> open(Target target, Duration timeout, java.util.function.Consumer<io.netty.buffer.ByteBuf> frames) {
    CompletableFuture<Channel> result = new CompletableFuture<>();
    long started = System.nanoTime();
    EdgeClientHandler handler = new EdgeClientHandler(target, result, this::count, frames);
    int port = target.uri().getPort();
    ChannelFuture connect = bootstrap.clone()
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192), handler);
          }
        })
        .connect(new InetSocketAddress(target.uri().getHost(), port), nextSource());
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        handler.fail("connect_failed:" + f.cause().getClass().getSimpleName());
        return;
      }
      Channel ch = connect.channel();
      ch.eventLoop().schedule(() -> handler.fail(handler.upgraded() ? "no_server_hello" : "no_upgrade_answer"),
          timeout.toMillis(), TimeUnit.MILLISECONDS);
    });
    return result.whenComplete((ch, error) -> {
      if (error != null) {
        failed.increment();
        return;
      }
      openLatency.recordNanos(System.nanoTime() - started);
      ready.increment();
      open.add(ch);
      ch.closeFuture().addListener(f -> {
        open.remove(ch);
        if (!closing) {
          droppedWhileHeld.increment();
          count("dropped_while_held:" + handler.closeDetail());
        }
      });
    });
  }

  private InetSocketAddress nextSource() {
    if (sources.isEmpty()) return null;
    return sources.get(Math.floorMod(nextSource.getAndIncrement(), sources.size()));
  }

  /** The event loops, for timers such as reconnect delays. */
  EventLoopGroup group() {
    return group;
  }

  int openCount() {
    return open.size();
  }

  void count(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  Map<String, Long> outcomeCounts() {
    Map<String, Long> out = new TreeMap<>();
    outcomes.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Closes every open socket (TCP close; the server sees the peer go) and waits up to 30 s. */
  void closeAll() {
    closing = true;
    List<ChannelFuture> closes = new ArrayList<>();
    for (Channel ch : open) closes.add(ch.close());
    for (ChannelFuture f : closes) f.awaitUninterruptibly(30, TimeUnit.SECONDS);
    open.clear();
    closing = false;
  }

  @Override
  public void close() {
    closeAll();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
