package io.lifeguard.node.edge;

import io.lifeguard.node.metrics.NodeMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing WebSocket edge: a Netty server on its own port that serves the relay, the
 * bridge and the host bus ({@link EdgeRoute}s) and {@code GET /ready} for load balancers. The HTTP
 * API, console and metrics stay on pekko-http (docs/adr/0006-netty-edge.md says why).
 *
 * <p>Epoll where the native transport loads, NIO elsewhere. Tied to CoordinatedShutdown: it stops
 * accepting when the node unbinds, closes the sockets still open with 1001 once the components have
 * closed theirs with their own reasons, and stops its threads last.
 */
public final class EdgeServer {
  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);

  private final EdgeSettings settings;
  private final List<EdgeRoute> routes;
  private final BooleanSupplier ready;
  private final Set<EdgeSocket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final Counter refusals;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Class<? extends ServerChannel> channelType;
  /** The I/O threads, for {@link #loopFor}. */
  private final EventLoop[] loops;
  private volatile Channel listener;

  private EdgeServer(EdgeSettings settings, List<EdgeRoute> routes, BooleanSupplier ready, NodeMetrics metrics) {
    this.settings = settings;
    this.routes = List.copyOf(routes);
    this.ready = ready;
    boolean epoll = Epoll.isAvailable();
    this.boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("edge-accept", true))
        : new NioEventLoopGroup(1, new DefaultThreadFactory("edge-accept", true));
    this.workers = epoll ? new EpollEventLoopGroup(settings.threads(), new DefaultThreadFactory("edge-io", true))
        : new NioEventLoopGroup(settings.threads(), new DefaultThreadFactory("edge-io", true));
    this.channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    List<EventLoop> all = new java.util.ArrayList<>();
    workers.forEach(e -> all.add((EventLoop) e));
    this.loops = all.toArray(new EventLoop[0]);
    GaugeWithCallback.builder()
        .name("lifeguard_edge_connections")
        .help("TCP connections open on the edge port, upgraded or not")
        .callback(cb -> cb.call(connections.get()))
        .register(metrics.registry());
    refusals = Counter.builder()
        .name("lifeguard_edge_refusals_total")
        .help("Requests on the edge port answered with an HTTP status instead of an upgrade, by status")
        .labelNames("status")
        .register(metrics.registry());
  }

  /**
   * Binds the edge. A bind failure is fatal for the node: it terminates the actor system with a
   * message naming the setting, like the HTTP port.
   */
  public static EdgeServer start(ActorSystem<?> system, EdgeSettings settings, List<EdgeRoute> routes,
      BooleanSupplier ready, NodeMetrics metrics) {
    EdgeServer server = new EdgeServer(settings, routes, ready, metrics);
    server.bind(system);
    return server;
  }

  private void bind(ActorSystem<?> system) {
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channel(channelType)
        .option(ChannelOption.SO_BACKLOG, settings.backlog())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            connections.incrementAndGet();
            channel.closeFuture().addListener(f -> connections.decrementAndGet());
            channel.pipeline()
                .addLast("http", new HttpServerCodec(4096, settings.maxRequestHeaderBytes(), 8192))
                .addLast("aggregator", new HttpObjectAggregator(8192))
                .addLast("upgrade", new UpgradeHandler(EdgeServer.this));
          }
        });
    try {
      listener = bootstrap.bind(new InetSocketAddress(settings.host(), settings.port())).sync().channel();
    } catch (Exception e) {
      shutdownThreads();
      io.lifeguard.node.NodeExit.bindFailed(system, "the edge", settings.host(), settings.port(), "lifeguard.edge.host/port",
          "LIFEGUARD_EDGE_HOST/LIFEGUARD_EDGE_PORT", e);
      return;
    }
    log.info("edge listening on {}:{} ({}, {} I/O threads, backlog {})", settings.host(), boundPort(),
        channelType == EpollServerSocketChannel.class ? "epoll" : "nio", settings.threads(), settings.backlog());
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "edge-unbind", this::unbind);
    // A phase after relay-close-sockets and bridge-close-sockets (tasks of one phase run at once),
    // which close theirs with their own reasons; what is left (host-bus sockets) goes with 1001.
    shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "edge-close-sockets", () -> closeAll(1001, "server shutting down"));
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "edge-stop", () -> {
      shutdownThreads();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  /** The port the edge listens on (the configured one, or the one the kernel chose for port 0). */
  public int boundPort() {
    Channel c = listener;
    return c == null ? settings.port() : ((InetSocketAddress) c.localAddress()).getPort();
  }

  /** True when the edge is bound and accepting. */
  public boolean listening() {
    Channel c = listener;
    return c != null && c.isActive();
  }

  /** Upgraded sockets open now. */
  public int openSockets() {
    return sockets.size();
  }

  EdgeSettings settings() {
    return settings;
  }

  boolean ready() {
    return ready.getAsBoolean();
  }

  EdgeRoute route(List<String> segments) {
    for (EdgeRoute route : routes) {
      if (route.matches(segments)) return route;
    }
    return null;
  }

  /**
   * The I/O thread for sockets keyed {@code key} (a relay session), or null when the edge does not
   * move sockets ({@code lifeguard.edge.session-affinity = off}, or a single thread).
   */
  EventLoop loopFor(String key) {
    if (!settings.sessionAffinity() || loops.length < 2) return null;
    // Mixed first: ids that differ in their last characters should still spread.
    int h = key.hashCode() * 0x9E3779B9;
    return loops[Math.floorMod(h ^ (h >>> 16), loops.length)];
  }

  void opened(EdgeSocket socket) {
    sockets.add(socket);
  }

  void closed(EdgeSocket socket) {
    sockets.remove(socket);
  }

  void refused(int status) {
    refusals.labelValues(Integer.toString(status)).inc();
  }

  private CompletionStage<Done> unbind() {
    Channel c = listener;
    if (c == null) return CompletableFuture.completedFuture(Done.getInstance());
    CompletableFuture<Done> done = new CompletableFuture<>();
    c.close().addListener(f -> done.complete(Done.getInstance()));
    return done;
  }

  /** Closes every open socket with {@code code} and waits, bounded, for them to end. */
  public CompletionStage<Done> closeAll(int code, String reason) {
    for (EdgeSocket socket : sockets) socket.closeFromNode(code, reason);
    CompletableFuture<Done> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
    awaitEmpty(done, deadline);
    return done;
  }

  private void awaitEmpty(CompletableFuture<Done> done, long deadline) {
    if (sockets.isEmpty() || System.nanoTime() >= deadline) {
      done.complete(Done.getInstance());
      return;
    }
    boss.schedule(() -> awaitEmpty(done, deadline), 20, TimeUnit.MILLISECONDS);
  }

  private void shutdownThreads() {
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
