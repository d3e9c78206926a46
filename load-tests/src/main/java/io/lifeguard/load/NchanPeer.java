package io.lifeguard.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The reference peer of the edge benchmark: nginx with the nchan module (Debian's
 * {@code libnginx-mod-nchan}, installed by {@code load-tests/reference-peer.sh}), started on a free
 * 127.0.0.1 port with a generated config in a temp dir (own pid file, error log and temp paths;
 * {@code daemon off}, one worker) and stopped at the end. One pubsub location takes WebSocket
 * subscribers at {@code /sub/<channel>}; nchan pings each subscriber every {@code pingSeconds} so it
 * does per-connection keep-alive work comparable to Lifeguard's heartbeats.
 */
final class NchanPeer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path dir;

  private NchanPeer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * The reference-peer flags every edge scenario takes: {@code --reference nchan|none}, {@code
   * --nginx} (binary) and {@code --nchan-module} (path).
   */
  record Reference(boolean enabled, String nginx, String module) {
    static Reference from(Flags f) {
      String reference = f.string("reference", "nchan");
      String nginx = f.string("nginx", "nginx");
      String module = f.string("nchan-module", "/usr/lib/nginx/modules/ngx_nchan_module.so");
      if (!reference.equals("nchan") && !reference.equals("none")) throw new IllegalArgumentException("--reference nchan|none");
      return new Reference(reference.equals("nchan"), nginx, module);
    }

    NchanPeer start(int backlog, int pingSeconds, int workerConnections) {
      return NchanPeer.start(nginx, module, backlog, pingSeconds, workerConnections);
    }

    /** What the JSON line names as the reference. */
    String label() {
      return enabled ? "nginx+nchan" : "none";
    }
  }

  static NchanPeer start(String nginx, String module, int backlog, int pingSeconds, int workerConnections) {
    try {
      Path dir = Files.createTempDirectory("lifeguard-nchan");
      int port = LocalNode.freePort();
      Files.writeString(dir.resolve("nginx.conf"), config(dir, module, port, backlog, pingSeconds, workerConnections));
      Process process = new ProcessBuilder(nginx, "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
          "-c", dir.resolve("nginx.conf").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
      NchanPeer peer = new NchanPeer(process, port, dir);
      peer.awaitListening(Duration.ofSeconds(15));
      return peer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + nginx + " (run load-tests/reference-peer.sh)", e);
    }
  }

  static String config(Path dir, String module, int port, int backlog, int pingSeconds, int workerConnections) {
    String d = dir.toString();
    return String.join("\n", List.of(
        "load_module " + module + ";",
        "daemon off;",
        "worker_processes 1;",
        "pid " + d + "/nginx.pid;",
        "error_log " + d + "/error.log warn;",
        "events { worker_connections " + workerConnections + "; }",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + d + "/body;",
        "  proxy_temp_path " + d + "/proxy;",
        "  fastcgi_temp_path " + d + "/fastcgi;",
        "  uwsgi_temp_path " + d + "/uwsgi;",
        "  scgi_temp_path " + d + "/scgi;",
        "  server {",
        "    listen 127.0.0.1:" + port + " backlog=" + backlog + ";",
        "    location ~ ^/sub/([A-Za-z0-9_-]+)$ {",
        "      nchan_subscriber websocket;",
        "      nchan_channel_id $1;",
        "      nchan_websocket_ping_interval " + pingSeconds + ";",
        "    }",
        "    location ~ ^/pub/([A-Za-z0-9_-]+)$ { nchan_publisher; nchan_channel_id $1; }",
        "  }",
        "}",
        ""));
  }

  private void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("nginx exited with " + process.exitValue() + ": " + log());
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(LocalNode.HOST, port), 500);
        return;
      } catch (IOException notYet) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
    throw new IllegalStateException("nginx not listening on " + port + " after " + timeout + ": " + log());
  }

  /** A WebSocket publisher on {@code channel} (the pub location takes HTTP and WebSocket publishers). */
  URI publisher(String channel) {
    return URI.create("ws://" + LocalNode.HOST + ":" + port + "/pub/" + channel);
  }

  URI subscriber(String channel) {
    return URI.create("ws://" + LocalNode.HOST + ":" + port + "/sub/" + channel);
  }

  /** The master and its worker: the worker does the work, the master is counted too. */
  ProcessProbe probe() {
    return ProcessProbe.withChildren(process.pid());
  }

  /** nginx's version and the nchan package's (Debian), for the report. */
  String version() {
    return run(process.info().command().orElse("nginx"), "-v").replace("nginx version: ", "") + " + nchan "
        + run("dpkg-query", "-W", "-f", "${Version}", "libnginx-mod-nchan");
  }

  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out.isEmpty() ? "unknown" : out;
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  String log() {
    try {
      return Files.readString(dir.resolve("error.log")) + Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) return;
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
