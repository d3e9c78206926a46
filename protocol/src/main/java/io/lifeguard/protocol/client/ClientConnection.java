package io.lifeguard.protocol.client;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.crypto.CipherSuite;
import io.lifeguard.protocol.crypto.FrameSealer;
import io.lifeguard.protocol.crypto.KeyAnnounce;
import io.lifeguard.protocol.crypto.KeySchedule;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection attempt of a {@link LifeguardClient}, from upgrade to close. Ends
 * exactly once, reporting the reason to its client, which decides about reconnecting. State is
 * guarded by {@code this}; listener callbacks run outside the lock.
 */
final class ClientConnection implements WebSocket.Listener {
  private static final int MISSED_HEARTBEATS_FOR_DEAD = 3;
  private static final long[] REPLY_REPEATS_MILLIS = {500, 2000};

  private final LifeguardClient client;
  private final LifeguardClient.Settings settings;
  private final URI url;
  private final byte[] clientNonce = new byte[HelloCodec.NONCE_LENGTH];
  private final MessageAssembler assembler =
      new MessageAssembler(LifeguardClient.maxInboundMessage());
  private WebSocket socket;
  private ServerHello hello;
  private FrameSealer sealer;
  private KeySchedule ownKeys;
  private PeerKeyring keyring;
  private long plainSeq;
  private long heartbeatSeq;
  private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
  private ScheduledFuture<?> handshakeTimer;
  private ScheduledFuture<?> heartbeatTimer;
  /** The node granted HEARTBEAT_ANSWER: each of its heartbeats is answered, no beat of our own. */
  private volatile boolean answersHeartbeats;
  private volatile long lastReceivedNanos = System.nanoTime();
  private CloseReason announcedClose;
  private boolean ended;

  ClientConnection(LifeguardClient client, URI url) {
    this.client = client;
    this.settings = client.settings;
    this.url = url;
    LifeguardClient.RANDOM.nextBytes(clientNonce);
  }

  void start() {
    CompletableFuture.supplyAsync(settings.tokenSupplier())
        .thenCompose(
            token ->
                settings
                    .httpClient()
                    .newWebSocketBuilder()
                    .connectTimeout(settings.handshakeTimeout())
                    .buildAsync(url, this)
                    .thenApply(ws -> sendHello(ws, token)))
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                end(CloseReason.TRY_AGAIN_LATER);
              }
            });
  }

  private WebSocket sendHello(WebSocket ws, String token) {
    synchronized (this) {
      socket = ws;
      if (ended) {
        ws.abort();
        return ws;
      }
      handshakeTimer =
          SharedScheduler.get()
              .schedule(
                  () -> fail(CloseReason.HANDSHAKE_TIMEOUT),
                  settings.handshakeTimeout().toMillis(),
                  TimeUnit.MILLISECONDS);
    }
    ClientHello clientHello =
        new ClientHello(
            settings.sessionId(),
            token,
            clientNonce,
            FrameCodec.VERSION,
            LifeguardClient.requestedCompression(),
            settings.role(),
            FeatureBits.HEARTBEAT_ANSWER);
    enqueue(HelloCodec.encodeClientHello(clientHello));
    return ws;
  }

  synchronized Optional<ServerHello> serverHello() {
    return ended ? Optional.empty() : Optional.ofNullable(hello);
  }

  CompletableFuture<Void> send(FrameKind kind, byte[] payload) {
    synchronized (this) {
      if (hello == null || ended) {
        return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
      }
      Frame frame;
      if (sealer != null) {
        frame = sealer.seal(kind, payload);
      } else {
        frame = Frame.of(kind, plainSeq, payload);
        plainSeq = (plainSeq + 1) & Frame.MAX_SEQ;
      }
      return enqueue(FrameCodec.encode(frame));
    }
  }

  /** Chains sends: java.net.http allows only one outstanding send per WebSocket. */
  private synchronized CompletableFuture<Void> enqueue(byte[] message) {
    WebSocket ws = socket;
    CompletableFuture<Void> sent =
        sendChain
            .handle((ignored, error) -> null)
            .thenCompose(ignored -> ws.sendBinary(ByteBuffer.wrap(message), true))
            .thenApply(ignored -> null);
    sendChain = sent;
    return sent;
  }

  void closeGracefully(CloseReason reason) {
    WebSocket ws;
    synchronized (this) {
      ws = socket;
      if (ws == null || ended) {
        end(reason);
        return;
      }
      enqueue(FrameCodec.encode(Frame.close(0, reason)));
      sendChain
          .handle((ignored, error) -> null)
          .thenCompose(ignored -> ws.sendClose(reason.wsCode(), reason.wireName()));
    }
    SharedScheduler.get()
        .schedule(() -> fail(reason), settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    lastReceivedNanos = System.nanoTime();
    try {
      assembler.accept(data, last).ifPresent(this::onMessage);
    } catch (ProtocolException e) {
      fail(e.closeReason());
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    fail(ErrorCode.TEXT_MESSAGE.closeReason());
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    CloseReason closeReason;
    synchronized (this) {
      closeReason =
          announcedClose != null ? announcedClose : CloseReason.fromWsCodeOrFallback(statusCode);
    }
    end(closeReason);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    end(CloseReason.TRY_AGAIN_LATER);
  }

  private void onMessage(byte[] message) {
    ServerHello current;
    synchronized (this) {
      current = hello;
    }
    if (current == null) {
      // A node that refuses the handshake (paused, full, session moving) answers with a CLOSE frame
      // instead of a ServerHello: its reason decides whether and when to reconnect.
      if (!HelloCodec.looksLikeHello(message)) {
        Frame refusal = FrameCodec.decode(message);
        if (refusal.kind() == FrameKind.CLOSE) {
          synchronized (this) {
            announcedClose = refusal.closeReason();
          }
          return;
        }
      }
      onServerHello(HelloCodec.decodeServerHello(message));
      return;
    }
    Frame frame = FrameCodec.decode(message);
    switch (frame.kind()) {
      case HEARTBEAT:
        // With HEARTBEAT_ANSWER our heartbeat is the answer to the node's (docs/protocol.md §5).
        if (answersHeartbeats) {
          synchronized (this) {
            if (!ended) {
              enqueue(FrameCodec.encode(LifeguardClient.heartbeatFrame(heartbeatSeq++)));
            }
          }
        }
        break;
      case CLOSE:
        synchronized (this) {
          announcedClose = frame.closeReason();
        }
        break;
      default:
        onPeerFrame(frame);
    }
  }

  private void onServerHello(ServerHello serverHello) {
    if (!Arrays.equals(serverHello.ackNonce(), clientNonce)) {
      throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "ack_nonce does not echo our nonce");
    }
    if (serverHello.protocolVersion() > ServerHello.PROTOCOL_VERSION) {
      // The node must not answer above the version we asked for (docs/protocol.md 2.3).
      throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "server chose protocol_version " + serverHello.protocolVersion());
    }
    long intervalMillis = serverHello.heartbeatIntervalSeconds() * 1000L;
    synchronized (this) {
      if (ended) {
        return;
      }
      hello = serverHello;
      answersHeartbeats = FeatureBits.has(serverHello.featuresBitmap(), FeatureBits.HEARTBEAT_ANSWER);
      handshakeTimer.cancel(false);
      heartbeatTimer =
          SharedScheduler.get()
              .scheduleAtFixedRate(
                  () -> heartbeat(intervalMillis),
                  intervalMillis,
                  intervalMillis,
                  TimeUnit.MILLISECONDS);
      if (settings.preSharedKey().isPresent()) {
        byte[] psk = settings.preSharedKey().get();
        ownKeys =
            new KeySchedule(
                CipherSuite.fromFeatureBits(serverHello.featuresBitmap()),
                psk,
                serverHello.peerId(),
                clientNonce,
                serverHello.serverNonce());
        sealer = new FrameSealer(ownKeys, settings.rekeyLimit());
        keyring = new PeerKeyring(psk, serverHello.peerId());
        enqueue(FrameCodec.encode(ownKeys.announce(true).toFrame()));
      }
    }
    client.connected(this, serverHello);
  }

  private void onPeerFrame(Frame frame) {
    if (settings.preSharedKey().isEmpty()) {
      settings.listener().onFrame(frame);
      return;
    }
    try {
      if (KeyAnnounce.isAnnounce(frame)) {
        KeyAnnounce announce = KeyAnnounce.fromFrame(frame);
        boolean learned;
        synchronized (this) {
          learned = keyring.onAnnounce(announce);
          if (learned && announce.replyRequested()) {
            replyAnnounce();
          }
        }
        if (learned) {
          settings.listener().onPeerAnnounced(announce.peerId());
        }
        return;
      }
      PeerKeyring.Opened opened;
      synchronized (this) {
        opened = keyring.open(frame);
      }
      opened.gap().ifPresent(gap -> settings.listener().onGap(opened.peerId(), gap));
      settings.listener().onMessage(opened.peerId(), frame.kind(), opened.plaintext());
    } catch (ProtocolException e) {
      // Another peer's bad frame must not cost us our connection.
      settings.listener().onPeerFrameRejected(e);
    }
  }

  /**
   * Answers a new peer's announce, and again after 0.5 s and 2 s: the peer's frame reached us
   * directly, while the node's push adding the peer to our connection's targets travels another
   * path, so a single answer can be lost. Receivers ignore an announce they already know.
   */
  private void replyAnnounce() {
    byte[] reply = FrameCodec.encode(ownKeys.announce(false).toFrame());
    enqueue(reply);
    for (long delay : REPLY_REPEATS_MILLIS) {
      SharedScheduler.get().schedule(() -> {
        synchronized (this) {
          if (!ended) {
            enqueue(reply);
          }
        }
      }, delay, TimeUnit.MILLISECONDS);
    }
  }

  private void heartbeat(long intervalMillis) {
    long silentMillis = (System.nanoTime() - lastReceivedNanos) / 1_000_000;
    if (silentMillis > MISSED_HEARTBEATS_FOR_DEAD * intervalMillis) {
      fail(CloseReason.HEARTBEAT_TIMEOUT);
      return;
    }
    synchronized (this) {
      // Answering the node's heartbeats instead, this timer only watches the deadline.
      if (!ended && !answersHeartbeats) {
        enqueue(FrameCodec.encode(LifeguardClient.heartbeatFrame(heartbeatSeq++)));
      }
    }
  }

  /** Ends the connection from our side at once; the server sees an abnormal closure. */
  private void fail(CloseReason reason) {
    WebSocket ws;
    synchronized (this) {
      ws = socket;
    }
    if (ws != null) {
      ws.abort();
    }
    end(reason);
  }

  private void end(CloseReason reason) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      if (handshakeTimer != null) {
        handshakeTimer.cancel(false);
      }
      if (heartbeatTimer != null) {
        heartbeatTimer.cancel(false);
      }
      if (socket != null && !socket.isOutputClosed()) {
        socket.abort();
      }
    }
    client.ended(this, reason);
  }
}
