package io.lifeguard.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Copies bytes between TCP and Unix domain sockets, one listener per {@link Rule}. Network
 * namespaces share the filesystem but not their loopback, so a Unix socket is how a node inside a
 * namespace reaches the machine's PostgreSQL and Redis, and how the test reaches the node's HTTP
 * port, without putting any of the machine's own addresses on the test network. Runs in the test
 * JVM and, through {@link #main}, as a small process inside each namespace.
 */
public final class SocketForwarder implements AutoCloseable {
  /** Printed by {@link #main} once every listener is bound. */
  public static final String READY = "forwarder ready";

  /** Listens on {@code listen} and connects each accepted socket to {@code target}. */
  public record Rule(SocketAddress listen, SocketAddress target) {
    /** {@code tcp:HOST:PORT=unix:PATH} and the like: the form {@link #main} takes. */
    static Rule parse(String text) {
      String[] sides = text.split("=", 2);
      return new Rule(address(sides[0]), address(sides[1]));
    }

    String format() {
      return format(listen) + "=" + format(target);
    }

    private static SocketAddress address(String text) {
      if (text.startsWith("unix:")) return UnixDomainSocketAddress.of(text.substring(5));
      String hostPort = text.substring("tcp:".length());
      int colon = hostPort.lastIndexOf(':');
      return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static String format(SocketAddress address) {
      if (address instanceof UnixDomainSocketAddress unix) return "unix:" + unix.getPath();
      InetSocketAddress inet = (InetSocketAddress) address;
      return "tcp:" + inet.getHostString() + ":" + inet.getPort();
    }
  }

  private final List<ServerSocketChannel> listeners = new ArrayList<>();
  private final List<Path> unixFiles = new ArrayList<>();
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private SocketForwarder() {}

  /** Binds every rule's listener (a stale Unix socket file is replaced) and starts accepting. */
  public static SocketForwarder start(List<Rule> rules) {
    SocketForwarder forwarder = new SocketForwarder();
    try {
      for (Rule rule : rules) forwarder.listen(rule);
      return forwarder;
    } catch (IOException e) {
      forwarder.close();
      throw new UncheckedIOException("cannot listen for " + rules, e);
    }
  }

  /** The rules as command line arguments for {@link #main}. */
  public static List<String> arguments(List<Rule> rules) {
    return rules.stream().map(Rule::format).toList();
  }

  /** Arguments: rules such as {@code tcp:127.0.0.1:5432=unix:/tmp/x/pg.sock}; runs until killed. */
  public static void main(String[] args) throws InterruptedException {
    List<Rule> rules = new ArrayList<>();
    for (String arg : args) rules.add(Rule.parse(arg));
    start(rules);
    System.out.println(READY);
    System.out.flush();
    Thread.currentThread().join();
  }

  private void listen(Rule rule) throws IOException {
    ServerSocketChannel server;
    if (rule.listen() instanceof UnixDomainSocketAddress unix) {
      Files.deleteIfExists(unix.getPath());
      unixFiles.add(unix.getPath());
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    } else {
      server = ServerSocketChannel.open();
      server.socket().setReuseAddress(true);
    }
    server.bind(rule.listen(), 64);
    listeners.add(server);
    daemon("accept " + rule.format(), () -> accept(server, rule.target()));
  }

  private void accept(ServerSocketChannel server, SocketAddress target) {
    while (!closed) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(client);
      SocketChannel upstream;
      try {
        upstream = SocketChannel.open(target);
      } catch (IOException e) {
        // Nothing listens there (yet): the caller sees its connection closed, as with a refused one.
        closeQuietly(client);
        continue;
      }
      open.add(upstream);
      daemon("pump", () -> pump(client, upstream));
      daemon("pump", () -> pump(upstream, client));
    }
  }

  /** Copies until either side ends, then closes both so the other direction ends too. */
  private void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    try {
      while (from.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) to.write(buffer);
        buffer.clear();
      }
    } catch (IOException e) {
      // reset or closed by the other pump
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(SocketChannel channel) {
    open.remove(channel);
    try {
      channel.close();
    } catch (IOException e) {
      // already closed
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, "forwarder-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops listening and drops every forwarded connection. */
  @Override
  public void close() {
    closed = true;
    for (ServerSocketChannel server : listeners) {
      try {
        server.close();
      } catch (IOException e) {
        // best effort
      }
    }
    for (Path file : unixFiles) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // best effort
      }
    }
    for (SocketChannel channel : open) closeQuietly(channel);
  }
}
