package io.lifeguard.protocol.client;

import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An embeddable Lifeguard client over {@link java.net.http.WebSocket}: it performs the hello
 * exchange, sends heartbeats, seals and opens frames when a pre-shared key is given, detects dead
 * connections and lost frames, and reconnects with backoff to the next node unless the close
 * reason forbids it. Timers run on one scheduler thread shared by every client in the JVM.
 *
 * <p>Thread-safe. Build with {@link #builder()}, then {@link #connect()}.
 */
public final class LifeguardClient implements AutoCloseable {
  static final SecureRandom RANDOM = new SecureRandom();
  private static final HttpClient SHARED_HTTP = HttpClient.newHttpClient();

  final Settings settings;
  private final UrlRotation urls;
  private final Backoff backoff;
  private final CompletableFuture<ServerHello> firstConnection = new CompletableFuture<>();
  private ClientConnection connection;
  private int failedAttempts;
  private boolean stopped;
  private boolean started;

  /** Everything the builder collected; immutable. */
  record Settings(
      List<URI> urls,
      Supplier<String> tokenSupplier,
      String sessionId,
      Role role,
      Optional<byte[]> preSharedKey,
      ClientListener listener,
      HttpClient httpClient,
      Duration handshakeTimeout,
      Duration closeTimeout,
      long rekeyLimit,
      boolean urlsInGivenOrder) {}

  private LifeguardClient(Settings settings, Backoff backoff) {
    this.settings = settings;
    this.backoff = backoff;
    this.urls = settings.urlsInGivenOrder()
        ? new UrlRotation(settings.urls(), 0)
        : UrlRotation.shuffled(settings.urls(), new java.security.SecureRandom());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts connecting. The future completes with the first server hello, or fails with {@link
   * ClosedException} when the client stops before ever connecting (a close reason that forbids
   * reconnecting, or {@link #close()}).
   */
  public CompletableFuture<ServerHello> connect() {
    synchronized (this) {
      if (started) {
        return firstConnection;
      }
      started = true;
    }
    openConnection();
    return firstConnection;
  }

  /**
   * Sends a DATA payload to the session's other peers (sealed when a key was given). The future
   * completes when the WebSocket accepted the message.
   *
   * @throws IllegalStateException when not connected
   */
  public CompletableFuture<Void> send(byte[] payload) {
    return current().send(FrameKind.DATA, payload);
  }

  /** Sends a CONTROL payload to the session's other peers (sealed when a key was given). */
  public CompletableFuture<Void> sendControl(byte[] payload) {
    return current().send(FrameKind.CONTROL, payload);
  }

  /** The hello of the current connection, if connected. */
  public Optional<ServerHello> serverHello() {
    ClientConnection active = connectionOrNull();
    return active == null ? Optional.empty() : active.serverHello();
  }

  /** True once the client gave up for good (closed, or a close reason forbade reconnecting). */
  public synchronized boolean isStopped() {
    return stopped;
  }

  public boolean isConnected() {
    return serverHello().isPresent();
  }

  /** Sends a CLOSE frame (NORMAL), closes the WebSocket and stops reconnecting. */
  @Override
  public void close() {
    ClientConnection active;
    synchronized (this) {
      stopped = true;
      active = connection;
    }
    if (active != null) {
      active.closeGracefully(CloseReason.NORMAL);
    }
    firstConnection.completeExceptionally(new ClosedException(CloseReason.NORMAL));
  }

  private ClientConnection current() {
    ClientConnection active = connectionOrNull();
    if (active == null) {
      throw new IllegalStateException("not connected");
    }
    return active;
  }

  private synchronized ClientConnection connectionOrNull() {
    return connection;
  }

  private void openConnection() {
    URI url;
    ClientConnection next;
    synchronized (this) {
      if (stopped) {
        return;
      }
      url = urls.next();
      next = new ClientConnection(this, url);
      connection = next;
    }
    next.start();
  }

  void connected(ClientConnection source, ServerHello hello) {
    synchronized (this) {
      if (source != connection) {
        return;
      }
      failedAttempts = 0;
    }
    firstConnection.complete(hello);
    settings.listener().onConnected(hello);
  }

  /** Called exactly once per connection when it ends, for whatever reason. */
  void ended(ClientConnection source, CloseReason reason) {
    int attempt;
    Duration delay;
    synchronized (this) {
      if (source != connection) {
        return;
      }
      connection = null;
      if (stopped || !ReconnectPolicy.shouldReconnect(reason)) {
        stopped = true;
        attempt = -1;
        delay = null;
      } else {
        attempt = ++failedAttempts;
        delay = ReconnectPolicy.delay(reason, attempt, backoff);
      }
    }
    settings.listener().onClose(reason);
    if (attempt < 0) {
      firstConnection.completeExceptionally(new ClosedException(reason));
      return;
    }
    settings.listener().onReconnecting(attempt, delay);
    SharedScheduler.get().schedule(this::openConnection, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Thrown through {@link #connect()}'s future when the client stopped without connecting. */
  public static final class ClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final CloseReason reason;

    public ClosedException(CloseReason reason) {
      super("client stopped: " + reason);
      this.reason = reason;
    }

    public CloseReason reason() {
      return reason;
    }
  }

  /** Collects the client's settings; node URLs, token supplier, session id and role are required. */
  public static final class Builder {
    private final List<URI> urls = new ArrayList<>();
    private Supplier<String> tokenSupplier;
    private String sessionId;
    private Role role;
    private byte[] preSharedKey;
    private ClientListener listener = new ClientListener() {};
    private HttpClient httpClient = SHARED_HTTP;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration closeTimeout = Duration.ofSeconds(2);
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(30);
    private long rekeyLimit = 1L << 32;
    private boolean urlsInGivenOrder;

    private Builder() {}

    /** Adds a node URL such as {@code ws://host:port/ws}; attempts rotate through them. */
    public Builder url(URI url) {
      urls.add(url);
      return this;
    }

    public Builder urls(List<URI> nodeUrls) {
      urls.addAll(nodeUrls);
      return this;
    }

    /** Called before every connection attempt, so a reconnect presents a fresh token. */
    public Builder tokenSupplier(Supplier<String> supplier) {
      this.tokenSupplier = supplier;
      return this;
    }

    public Builder sessionId(String id) {
      this.sessionId = id;
      return this;
    }

    public Builder role(Role value) {
      this.role = value;
      return this;
    }

    /** Enables end-to-end encryption with the session's pre-shared key (at least 16 bytes). */
    public Builder preSharedKey(byte[] key) {
      this.preSharedKey = key.clone();
      return this;
    }

    public Builder listener(ClientListener value) {
      this.listener = value;
      return this;
    }

    /** Defaults to one HttpClient shared by all clients. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = client;
      return this;
    }

    /** How long the server may take to answer the client hello (10 s by default). */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = timeout;
      return this;
    }

    /** Reconnect backoff: full jitter up to min(max, base * 2^(attempt-1)); 500 ms and 30 s. */
    public Builder backoff(Duration base, Duration max) {
      this.backoffBase = base;
      this.backoffMax = max;
      return this;
    }

    /**
     * Tries the URLs in the order given. By default the first is tried first and the others follow
     * in an order of this client's own, so the clients of a node that dies spread over the others
     * (docs/protocol.md §6.3); tests that place clients on given nodes keep the order.
     */
    public Builder urlsInGivenOrder() {
      this.urlsInGivenOrder = true;
      return this;
    }

    /** Frames per key epoch; only tests should lower it. */
    public Builder rekeyLimit(long frames) {
      this.rekeyLimit = frames;
      return this;
    }

    /**
     * @throws IllegalArgumentException or NullPointerException for missing or invalid settings
     */
    public LifeguardClient build() {
      Objects.requireNonNull(tokenSupplier, "tokenSupplier");
      Objects.requireNonNull(role, "role");
      if (sessionId == null || !HelloCodec.IDENTIFIER.matcher(sessionId).matches()) {
        throw new IllegalArgumentException("session id must match " + HelloCodec.IDENTIFIER);
      }
      if (preSharedKey != null && preSharedKey.length < 16) {
        throw new IllegalArgumentException("pre-shared key must have at least 16 bytes");
      }
      new UrlRotation(urls, 0);
      Settings settings =
          new Settings(
              List.copyOf(urls),
              tokenSupplier,
              sessionId,
              role,
              Optional.ofNullable(preSharedKey),
              listener,
              httpClient,
              handshakeTimeout,
              closeTimeout,
              rekeyLimit,
              urlsInGivenOrder);
      Backoff backoff =
          new Backoff(backoffBase, backoffMax, () -> ThreadLocalRandom.current().nextDouble());
      return new LifeguardClient(settings, backoff);
    }
  }

  static Frame heartbeatFrame(long seq) {
    return Frame.heartbeat(seq & Frame.MAX_SEQ);
  }

  static int maxInboundMessage() {
    return Math.max(FrameCodec.HEADER_LENGTH + FrameCodec.MAX_BODY, HelloCodec.MAX_HELLO_BYTES);
  }

  static Compression requestedCompression() {
    return Compression.NONE;
  }
}
