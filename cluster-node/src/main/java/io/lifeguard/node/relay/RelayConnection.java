package io.lifeguard.node.relay;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameHeader;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenException;
import io.lifeguard.sharding.session.Member;
import io.lifeguard.sharding.session.MemberList;
import io.lifeguard.sharding.session.PeerMessage;
import io.lifeguard.sharding.session.SessionEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import io.lifeguard.node.edge.Outbound;
import io.lifeguard.node.edge.SocketHandler;
import io.lifeguard.node.edge.WsIn;
import io.lifeguard.node.edge.SharedFrame;
import io.lifeguard.node.edge.WriteBatch;
import io.lifeguard.node.edge.WsOut;
import org.apache.pekko.util.ByteString;

/**
 * One relay WebSocket: its handshake state, its session membership and its bounded outbound
 * queue. Inbound messages arrive one at a time from the connection's stream ({@link #onMessage});
 * frames from peers arrive from any thread ({@link #deliver}) and are dropped, and counted, when the
 * queue is full, so a slow reader costs only itself.
 *
 * <p>A connection holds no thread, timer or actor: heartbeats, hello deadlines and idle checks run
 * from the node's {@link RelaySweeper}.
 */
final class RelayConnection implements SocketHandler {
  enum State { AWAITING_HELLO, JOINING, JOINED, CLOSED }

  private static final CompletionStage<Done> DONE = CompletableFuture.completedFuture(Done.getInstance());
  private static final Set<Role> RELAY_ROLES = Set.of(Role.HOST, Role.PARTICIPANT);
  private static final Target[] NO_TARGETS = new Target[0];
  private static final java.util.concurrent.Executor CALLING_THREAD = Runnable::run;
  /** One reusable batch per I/O thread: forward() runs on the sender's thread and submits before returning. */
  private static final ThreadLocal<WriteBatch> BATCH = ThreadLocal.withInitial(WriteBatch::new);
  private static final int REJOIN_ATTEMPTS = 10;
  private static final java.time.Duration REJOIN_RETRY = java.time.Duration.ofMillis(250);
  /** Short: a rejoin sent while the shard still points at the dead node is lost, not slow. */
  private static final java.time.Duration REJOIN_TIMEOUT = java.time.Duration.ofSeconds(1);
  /**
   * How long peers known before an entity restart are kept as targets while they have not re-joined
   * the new incarnation: past the re-join's own attempts (10 of at most 1.25 s each).
   */
  private static final java.time.Duration CARRY_LIMIT = java.time.Duration.ofSeconds(15);

  /** Where one peer's frames go: a connection on this node, or another node's inbox. */
  private record Target(RelayConnection local, ActorRef<PeerMessage> inbox, long connectionId) {}

  private final long id;
  private final String clientAddress;
  private final Outbound outbound;
  private final RelayNode node;
  private final long openedAtNanos;
  private final AtomicBoolean closed = new AtomicBoolean();

  private volatile State state = State.AWAITING_HELLO;
  private volatile String sessionId;
  private volatile String peerId;
  private volatile Role role;
  private volatile Target[] targets = NO_TARGETS;
  private MemberList memberList;
  /** Peers known before the entity's last restart that have not re-joined it yet (see updateMembers). */
  private List<Member> carried = List.of();
  /** When the carried peers are forgotten (System.nanoTime); 0 when nothing is carried. */
  private volatile long carriedUntilNanos;
  private volatile long lastInboundNanos;
  private volatile long lastActivityNanos;
  private volatile long framesIn;
  private volatile long drops;
  private volatile boolean joined;

  RelayConnection(long id, String clientAddress, Outbound outbound, RelayNode node, long nowNanos) {
    this.id = id;
    this.clientAddress = clientAddress;
    this.outbound = outbound;
    this.node = node;
    this.openedAtNanos = nowNanos;
    this.lastInboundNanos = nowNanos;
    this.lastActivityNanos = nowNanos;
  }

  long id() { return id; }
  State state() { return state; }
  String sessionId() { return sessionId; }
  String peerId() { return peerId; }
  Role role() { return role; }
  long openedAtNanos() { return openedAtNanos; }
  long lastInboundNanos() { return lastInboundNanos; }
  long lastActivityNanos() { return lastActivityNanos; }
  long framesIn() { return framesIn; }
  long drops() { return drops; }
  int queued() { return outbound.size(); }
  java.util.concurrent.Executor ioThread() { return outbound.ioThread(); }

  /** Handles one complete inbound WebSocket message, in arrival order. */
  @Override
  public CompletionStage<Done> onMessage(WsIn message) {
    if (message instanceof WsIn.Binary binary) return onBinary(binary.data());
    if (message instanceof WsIn.Text) return onText();
    // Relay liveness is the protocol's own HEARTBEAT frame; WebSocket pings are answered and ignored.
    if (message instanceof WsIn.Ping) return DONE;
    return onOversized();
  }

  private CompletionStage<Done> onBinary(ByteString bytes) {
    long now = System.nanoTime();
    lastInboundNanos = now;
    try {
      return switch (state) {
        case AWAITING_HELLO -> onHello(bytes);
        case JOINED -> onFrame(bytes, now);
        // A frame racing the join reply, or anything after close: the peer was told to wait.
        case JOINING -> closeWith(CloseReason.PROTOCOL_ERROR, "frame before ServerHello");
        case CLOSED -> DONE;
      };
    } catch (ProtocolException e) {
      return closeWith(e.code().closeReason(), e.code() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      node.log().error(this, "relay", "unexpected failure handling a message", e);
      return closeWith(CloseReason.INTERNAL_ERROR, e.getClass().getSimpleName());
    }
  }

  /** The peer sent a text message: the relay speaks binary only. */
  private CompletionStage<Done> onText() {
    return closeWith(CloseReason.UNSUPPORTED_DATA, "text message");
  }

  /** The peer sent a message larger than the frame limit. */
  private CompletionStage<Done> onOversized() {
    return closeWith(CloseReason.MESSAGE_TOO_BIG, "message over " + node.settings().maxFrameBytes() + " bytes");
  }

  private CompletionStage<Done> onHello(ByteString bytes) {
    byte[] raw = bytes.toArray();
    if (!HelloCodec.looksLikeHello(raw)) return closeWith(CloseReason.PROTOCOL_ERROR, "first message is not a ClientHello");
    ClientHello hello = HelloCodec.decodeClientHello(raw);
    sessionId = hello.sessionId();
    if (node.policy().fallbackPaused()) return refuse(CloseReason.FALLBACK_PAUSED, "fallback paused");
    TokenClaims claims;
    try {
      claims = node.policy().verifier().verify(hello.token(), hello.sessionId(), RELAY_ROLES);
    } catch (TokenException e) {
      return refuse(e.closeReason(), "token " + e.reason());
    }
    if (claims.role() != hello.role()) return refuse(CloseReason.FORBIDDEN_ROLE, "hello role differs from token role");
    if (node.policy().requireFallbackAuthorized() && !FeatureBits.has(claims.featureBits(), FeatureBits.FALLBACK_AUTHORIZED)) {
      return refuse(CloseReason.POLICY_VIOLATION, "token lacks the fallback-authorized bit");
    }
    role = claims.role();
    peerId = node.newPeerId();
    state = State.JOINING;
    // The token grants the session's bits; the client may only ask for the ones that change how it
    // itself behaves (heartbeat answering), which the node grants whenever asked.
    long features = (claims.featureBits() & node.supportedFeatures()) | (hello.features() & FeatureBits.CLIENT_REQUESTABLE);
    // Onto the session's I/O thread first (the edge's session affinity), while nobody else knows
    // of this socket: the session's peers on this node then share a thread, and a frame one of
    // them sends is written to the others in place. Completes at once when it is not moved.
    return outbound.moveTo(sessionId).thenCompose(moved -> state == State.JOINING ? joinAndReply(hello, claims, features) : DONE);
  }

  private CompletionStage<Done> joinAndReply(ClientHello hello, TokenClaims claims, long features) {
    // join() completes its own CompletableFuture from the thread that got the entity's answer, so
    // these callbacks run right there: no further task hop per handshake.
    return join().thenApply(result -> {
      if (result instanceof SessionEntity.Rejected rejected) {
        refuse(CloseReason.fromWire(rejected.reason()).orElse(CloseReason.SESSION_CLOSED), "join rejected");
        return Done.getInstance();
      }
      ServerHello reply = new ServerHello(hello.clientNonce(), node.newNonce(), Compression.NONE, features, peerId,
          (int) node.settings().heartbeatInterval().toSeconds(),
          Math.min(hello.protocolVersion(), ServerHello.PROTOCOL_VERSION));
      ByteString encoded = ByteString.fromArrayUnsafe(HelloCodec.encodeServerHello(reply));
      // Locked against terminated(): exactly one of the two tells the entity this peer left.
      synchronized (this) {
        if (state != State.JOINING) {
          // Closed while the join was under way: the entity counted this peer, so take it back out.
          node.session(sessionId).tell(new SessionEntity.Leave(peerId, id));
          return Done.getInstance();
        }
        updateMembers(((SessionEntity.Joined) result).list());
        joined = true;
        // The ServerHello must be the first message the client sees. Peers may already route to
        // this connection (they hear of it first), but deliver() drops until JOINED, and JOINED is
        // set only after the hello is queued, so any frame that sees JOINED queues behind it.
        offer(encoded);
        state = State.JOINED;
      }
      node.metrics().handshakesOk.inc();
      node.log().debug(this, "handshake", "peer joined as " + role.wireName());
      node.activated(this, claims);
      return Done.getInstance();
    }).exceptionally(failure -> {
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      refuse(CloseReason.TRY_AGAIN_LATER, "session unavailable: " + cause);
      return Done.getInstance();
    });
  }

  /**
   * The handshake's join. An ask sent while the session's shard is still routed to a node that just
   * died is lost, not slow, so the join asks in short attempts until {@code join-timeout} is spent:
   * a client reconnecting during a failover gets in as soon as the shard has moved, instead of
   * being refused after the whole timeout and waiting out its own backoff. Join is idempotent.
   */
  private CompletionStage<SessionEntity.JoinResult> join() {
    CompletableFuture<SessionEntity.JoinResult> result = new CompletableFuture<>();
    joinAttempt(System.nanoTime() + node.settings().joinTimeout().toNanos(), result);
    return result;
  }

  private void joinAttempt(long deadline, CompletableFuture<SessionEntity.JoinResult> result) {
    long left = Math.max(1, deadline - System.nanoTime());
    // An explicit executor: pekko's CompletionStages run the non-async callbacks through the JDK's
    // default async pool, which on a machine with fewer than three cores starts a new thread per
    // call. The calling thread (the one completing the ask: the entity's, or remoting's when the
    // entity is on another node) rather than a dispatcher task: what follows is a few microseconds
    // of non-blocking work (the ServerHello, queued to the socket's event loop), and a task hop per
    // handshake costs a thread wake-up.
    join(java.time.Duration.ofNanos(Math.min(left, REJOIN_TIMEOUT.toNanos()))).whenCompleteAsync((joined, failure) -> {
      if (failure == null) {
        result.complete(joined);
      } else if (state != State.JOINING || deadline - System.nanoTime() <= REJOIN_RETRY.toNanos()) {
        result.completeExceptionally(failure);
      } else {
        node.system().scheduler().scheduleOnce(REJOIN_RETRY, () -> joinAttempt(deadline, result), node.system().executionContext());
      }
    }, CALLING_THREAD);
  }

  private CompletionStage<SessionEntity.JoinResult> join(java.time.Duration timeout) {
    return node.session(sessionId).ask(
        replyTo -> new SessionEntity.Join(peerId, role.wireName(), node.inbox(), id, replyTo), timeout);
  }

  /**
   * Re-asserts membership after the session's entity moved ({@code trigger}: {@code member_removed},
   * its node crashed or left; {@code entity_stopped}, it was handed off and said so). Right after a
   * node is removed the shard may still be routed to it and the Join lost, so a rejoin that is not
   * answered is retried until the entity answers or the attempts run out.
   */
  void rejoin(RelayMetrics.RejoinTrigger trigger) {
    if (state != State.JOINED) return;
    node.metrics().rejoins(trigger).inc();
    rejoin(1);
  }

  private void rejoin(int attempt) {
    if (state != State.JOINED) return;
    join(REJOIN_TIMEOUT).whenCompleteAsync((result, failure) -> {
      if (result instanceof SessionEntity.Joined joined) {
        updateMembers(joined.list());
      } else if (result instanceof SessionEntity.Rejected rejected) {
        close(CloseReason.fromWire(rejected.reason()).orElse(CloseReason.SESSION_CLOSED), "rejoin rejected");
      } else if (attempt < REJOIN_ATTEMPTS) {
        node.system().scheduler().scheduleOnce(REJOIN_RETRY, () -> rejoin(attempt + 1), node.system().executionContext());
      } else {
        close(CloseReason.TRY_AGAIN_LATER, "session unreachable after " + attempt + " rejoin attempts");
      }
    }, node.executor());
  }

  private CompletionStage<Done> onFrame(ByteString bytes, long now) {
    if (bytes.length() > 0 && bytes.apply(0) == '{') return closeWith(CloseReason.DUPLICATE_HELLO, "second hello");
    FrameHeader header = FrameCodec.peekHeader(bytes.asByteBuffer());
    switch (header.kind()) {
      case HEARTBEAT -> { return DONE; }
      case CLOSE -> { return onCloseFrame(bytes); }
      default -> {
        lastActivityNanos = now;
        framesIn++;
        node.metrics().messageSize.observe(bytes.length());
        forward(bytes, now);
        return DONE;
      }
    }
  }

  private CompletionStage<Done> onCloseFrame(ByteString bytes) {
    CloseReason reason = FrameCodec.decode(bytes.asByteBuffer()).closeReason();
    if (role == Role.HOST) {
      node.session(sessionId).tell(new SessionEntity.CloseSession(peerId, reason.wireName()));
    }
    return closeWith(CloseReason.NORMAL, "peer sent CLOSE " + reason.wireName());
  }

  /**
   * Sends a frame to every other peer. Runs on this socket's I/O thread: peers on the same thread
   * are written at once, peers on other threads get one task per thread (a {@link WriteBatch}), and
   * the counters move once per frame, not once per peer.
   */
  private void forward(ByteString frame, long now) {
    Target[] current = targets;
    byte[] remoteCopy = null;
    java.util.concurrent.Executor ioThread = null;
    WriteBatch batch = BATCH.get();
    SharedFrame shared = null;
    WsOut.Shared message = null;
    int enqueued = 0;
    int dropped = 0;
    try {
      for (Target t : current) {
        if (t.local() != null) {
          if (shared == null) {
            shared = SharedFrame.binary(frame);
            message = new WsOut.Shared(shared);
          }
          Outbound.Offer result = t.local().offer(message, now, batch);
          if (result == Outbound.Offer.ENQUEUED) enqueued++;
          else if (result == Outbound.Offer.DROPPED) dropped++;
        } else {
          if (remoteCopy == null) {
            remoteCopy = frame.toArray();
            // Without an I/O thread RemoteFrames sends each frame as its own Deliver, the only
            // form a node of an older version reads (lifeguard.relay.cross-node-frames).
            ioThread = node.settings().compactCrossNodeFrames() ? outbound.ioThreadIfCurrent() : null;
          }
          RemoteFrames.send(t.inbox(), t.connectionId(), remoteCopy, ioThread);
        }
      }
    } finally {
      // Always: offers already counted wait in the batch, and the shared frame must not leak.
      batch.submit();
      if (shared != null) shared.release();
    }
    counted(enqueued, dropped, frame.length());
    node.countForwarded(this, current.length, frame.length());
  }

  /**
   * A frame from another peer; dropped and counted when this connection's queue is full, and
   * dropped before the handshake completed (the client has not joined yet from its side).
   */
  void deliver(ByteString frame) {
    deliver(frame, null);
  }

  /** As {@link #deliver(ByteString)}; a hand-over to this socket's I/O thread joins {@code batch}. */
  void deliver(ByteString frame, WriteBatch batch) {
    Outbound.Offer result = offer(new WsOut.Binary(frame), System.nanoTime(), batch);
    counted(result == Outbound.Offer.ENQUEUED ? 1 : 0, result == Outbound.Offer.DROPPED ? 1 : 0, frame.length());
  }

  /** Queues one peer's frame on this connection; the caller counts the outcome. */
  private Outbound.Offer offer(WsOut message, long now, WriteBatch batch) {
    if (state != State.JOINED) return Outbound.Offer.CLOSED;
    Outbound.Offer result = batch == null ? outbound.offer(message) : outbound.offer(message, batch);
    if (result == Outbound.Offer.ENQUEUED) {
      lastActivityNanos = now;
    } else if (result == Outbound.Offer.DROPPED) {
      drops++;
    }
    return result;
  }

  private void counted(int enqueued, int dropped, int frameBytes) {
    if (enqueued > 0) {
      node.metrics().messagesForwarded.inc(enqueued);
      node.metrics().bytesForwarded.inc((long) enqueued * frameBytes);
    }
    if (dropped > 0) node.metrics().flowControlDrops.inc(dropped);
  }

  /**
   * Takes the session's members from the entity: within one incarnation the newest list wins (join
   * replies and pushes travel by different paths). A list from a new incarnation (the entity
   * restarted elsewhere) holds only the peers that re-joined it so far, so the peers this
   * connection already knew, on nodes still up, are carried over until they appear in the new
   * incarnation's lists or {@link #CARRY_LIMIT} has passed: frames between two peers whose nodes
   * are both alive keep flowing while each of them re-joins.
   */
  synchronized void updateMembers(MemberList list) {
    if (!list.supersedes(memberList)) return;
    long now = System.nanoTime();
    List<Member> carry = new ArrayList<>();
    if (list.otherIncarnationThan(memberList)) {
      for (Member m : memberList.members()) if (!m.peerId().equals(peerId)) carry.add(m);
      carry.addAll(carried);
      carriedUntilNanos = now + CARRY_LIMIT.toNanos();
    } else if (!carried.isEmpty() && now - carriedUntilNanos < 0) {
      carry.addAll(carried);
    }
    memberList = list;
    java.util.Set<String> listed = new java.util.HashSet<>();
    for (Member m : list.members()) listed.add(m.peerId());
    carry.removeIf(m -> listed.contains(m.peerId()));
    carried = List.copyOf(carry);
    retarget();
  }

  /** Rebuilds the targets from the entity's list and the carried peers (this peer excluded). */
  private void retarget() {
    List<Target> next = new ArrayList<>(memberList.members().size() + carried.size());
    for (Member m : memberList.members()) addTarget(m, next);
    for (Member m : carried) addTarget(m, next);
    targets = next.toArray(NO_TARGETS);
  }

  private void addTarget(Member m, List<Target> next) {
    if (m.peerId().equals(peerId)) return;
    if (m.inbox().equals(node.inbox())) {
      RelayConnection local = node.registry().get(m.connectionId());
      if (local != null) next.add(new Target(local, null, m.connectionId()));
    } else {
      next.add(new Target(null, m.inbox(), m.connectionId()));
    }
  }

  /**
   * Forgets carried peers once the re-join window is over: a peer that never re-joined the new
   * incarnation has left. Called by the sweeper; a volatile read unless something is carried.
   */
  void expireCarried(long now) {
    if (carriedUntilNanos == 0 || now - carriedUntilNanos < 0) return;
    synchronized (this) {
      if (carriedUntilNanos == 0 || now - carriedUntilNanos < 0) return;
      carriedUntilNanos = 0;
      if (!carried.isEmpty()) {
        carried = List.of();
        retarget();
      }
    }
  }

  /** Removes peers on a node that left the cluster, before their entity notices. */
  synchronized void dropTargetsOn(org.apache.pekko.actor.Address address) {
    if (memberList == null) return;
    List<Member> kept = new ArrayList<>(memberList.members().size());
    for (Member m : memberList.members()) if (!isOn(m, address)) kept.add(m);
    List<Member> keptCarried = new ArrayList<>(carried.size());
    for (Member m : carried) if (!isOn(m, address)) keptCarried.add(m);
    if (kept.size() == memberList.members().size() && keptCarried.size() == carried.size()) return;
    // Same incarnation and version: the entity's next list (which also lacks them) still supersedes it.
    memberList = new MemberList(memberList.incarnation(), memberList.version(), List.copyOf(kept), memberList.entityNode());
    carried = List.copyOf(keptCarried);
    retarget();
  }

  private boolean isOn(Member m, org.apache.pekko.actor.Address address) {
    return !m.inbox().equals(node.inbox()) && m.inbox().path().address().equals(address);
  }

  /** True when this connection's session entity ran (or may have run) on {@code address}, by its last member list. */
  synchronized boolean entityOn(org.apache.pekko.actor.Address address) {
    return memberList != null && memberList.entityMayHaveRunOn(address.toString());
  }

  /**
   * Sends a server heartbeat (seq 0: server-originated frames carry no sequence); on the socket's
   * I/O thread it is written in place, without a task, copy or callback.
   */
  void heartbeat() {
    if (state == State.JOINED) outbound.offerConstant(node.heartbeatFrame());
  }

  /** Refuses the handshake; close() counts it as the handshake's outcome. */
  private CompletionStage<Done> refuse(CloseReason reason, String detail) {
    return closeWith(reason, detail);
  }

  private CompletionStage<Done> closeWith(CloseReason reason, String detail) {
    close(reason, detail);
    return DONE;
  }

  /**
   * The one way the node closes a relay socket: a protocol CLOSE frame carrying the reason, then a
   * WebSocket close frame with the same code (docs/protocol.md), then the end of the stream.
   */
  void close(CloseReason reason, String detail) {
    if (!closed.compareAndSet(false, true)) return;
    State previous = state;
    state = State.CLOSED;
    node.metrics().closes.labelValues(reason.wireName()).inc();
    // Every socket that ends before its ServerHello is one handshake, whatever ended it (a bad
    // token, a malformed or oversized hello, a text message, the hello deadline).
    if (previous == State.AWAITING_HELLO || previous == State.JOINING) {
      node.metrics().handshakes.labelValues(reason.wireName()).inc();
    }
    node.log().closed(this, previous == State.JOINED ? "relay" : "handshake", reason, detail);
    outbound.offer(new WsOut.Binary(ByteString.fromArrayUnsafe(FrameCodec.encode(Frame.close(0, reason)))));
    outbound.offer(new WsOut.Close(reason.wsCode(), reason.wireName()));
  }

  /** The socket's stream ended, for whatever reason: leave the session and forget the connection. */
  @Override
  public void terminated() {
    boolean wasJoined;
    synchronized (this) {
      state = State.CLOSED;
      wasJoined = joined;
    }
    closed.set(true);
    node.registry().remove(this);
    if (wasJoined) {
      node.session(sessionId).tell(new SessionEntity.Leave(peerId, id));
      node.left(this);
    }
  }

  private void offer(ByteString bytes) {
    outbound.offer(new WsOut.Binary(bytes));
  }

  String clientAddress() {
    return clientAddress;
  }
}
