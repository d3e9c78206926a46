package io.lifeguard.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback TCP proxy in front of one node that can cut a random proxied connection at once
 * (both sockets closed, no WebSocket close): to the client and the node it looks like a network
 * failure, so the client library's own reconnect logic is what gets tested. Two blocking pump
 * threads per connection; meant for hundreds of connections, not thousands.
 */
final class ChaosProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int upstreamPort;
  private final Set<Socket[]> pairs = ConcurrentHashMap.newKeySet();
  private volatile boolean open = true;

  ChaosProxy(int upstreamPort) {
    this.upstreamPort = upstreamPort;
    try {
      this.server = new ServerSocket(0, 1024, InetAddress.getByName(LocalNode.HOST));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Thread acceptor = new Thread(this::acceptLoop, "chaos-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI relayUrl() {
    return URI.create("ws://" + LocalNode.HOST + ":" + server.getLocalPort() + "/ws");
  }

  private void acceptLoop() {
    while (open) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      Socket upstream;
      try {
        upstream = new Socket(InetAddress.getByName(LocalNode.HOST), upstreamPort);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      Socket[] pair = {client, upstream};
      pairs.add(pair);
      pump(pair, client, upstream);
      pump(pair, upstream, client);
    }
  }

  private void pump(Socket[] pair, Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // cut, or the other side went away
      } finally {
        cut(pair);
      }
    }, "chaos-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Cuts one random live connection; false when there is none. */
  boolean cutRandom() {
    List<Socket[]> live = new ArrayList<>(pairs);
    if (live.isEmpty()) return false;
    cut(live.get(ThreadLocalRandom.current().nextInt(live.size())));
    return true;
  }

  int liveConnections() {
    return pairs.size();
  }

  private void cut(Socket[] pair) {
    pairs.remove(pair);
    closeQuietly(pair[0]);
    closeQuietly(pair[1]);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    open = false;
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    for (Socket[] pair : new ArrayList<>(pairs)) cut(pair);
  }
}
