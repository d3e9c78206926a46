package io.lifeguard.node.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy on a fixed port in front of one server (say PostgreSQL), for injecting a
 * network fault into one node only: {@link #stop()} closes every proxied connection at once and
 * refuses new ones (to the node the server is gone), {@link #start()} listens again on the same
 * port. Two blocking pump threads per connection: for a connection pool, not for load.
 */
public final class TcpProxy implements AutoCloseable {
  private final int port = FreePorts.next();
  private final int upstreamPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;

  public TcpProxy(int upstreamPort) {
    this.upstreamPort = upstreamPort;
  }

  public int port() {
    return port;
  }

  /** Listens (again) on {@link #port()}. */
  public synchronized TcpProxy start() throws IOException {
    ServerSocket listening = new ServerSocket();
    listening.setReuseAddress(true);
    listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    server = listening;
    Thread acceptor = new Thread(() -> acceptLoop(listening), "tcp-proxy-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
    return this;
  }

  /** Closes the listening socket and every proxied connection (both sides), as a network cut would. */
  public synchronized void stop() {
    ServerSocket listening = server;
    server = null;
    if (listening != null) closeQuietly(listening);
    for (Socket socket : new ArrayList<>(sockets)) closeQuietly(socket);
  }

  private void acceptLoop(ServerSocket listening) {
    while (!listening.isClosed()) {
      Socket client;
      try {
        client = listening.accept();
      } catch (IOException e) {
        return;
      }
      Socket upstream;
      try {
        upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      sockets.add(client);
      sockets.add(upstream);
      if (server != listening) {
        // Stopped while this connection was being set up.
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      pump(client, upstream);
      pump(upstream, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) out.write(buffer, 0, n);
      } catch (IOException e) {
        // cut, or the other side went away
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "tcp-proxy-pump-" + port);
    thread.setDaemon(true);
    thread.start();
  }

  private void closeQuietly(java.io.Closeable closeable) {
    if (closeable instanceof Socket s) sockets.remove(s);
    try {
      closeable.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    stop();
  }
}
