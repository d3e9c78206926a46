package io.lifeguard.protocol;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The node's answer to a valid {@link ClientHello}. Encoded by {@link HelloCodec}.
 *
 * @param ackNonce the client's nonce echoed back (16 bytes); the client checks it
 * @param serverNonce 16 fresh random bytes chosen by the node for this connection
 * @param negotiatedCompression compression in force (always NONE for this module's servers)
 * @param featuresBitmap {@link FeatureBits} flags
 * @param peerId identifier the node gives this connection within the session
 * @param heartbeatIntervalSeconds seconds between heartbeats in both directions (15 by default)
 * @param protocolVersion the version both sides speak from now on: the highest the node supports
 *     that is not above the client's {@code protocol_version}
 */
public record ServerHello(
    byte[] ackNonce,
    byte[] serverNonce,
    Compression negotiatedCompression,
    long featuresBitmap,
    String peerId,
    int heartbeatIntervalSeconds,
    int protocolVersion) {

  /** Heartbeat interval a server uses unless configured otherwise. */
  public static final int DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 15;

  /** The protocol version this module speaks (docs/protocol.md). */
  public static final int PROTOCOL_VERSION = 1;

  /** A server hello for protocol version {@link #PROTOCOL_VERSION}. */
  public ServerHello(byte[] ackNonce, byte[] serverNonce, Compression negotiatedCompression, long featuresBitmap,
      String peerId, int heartbeatIntervalSeconds) {
    this(ackNonce, serverNonce, negotiatedCompression, featuresBitmap, peerId, heartbeatIntervalSeconds, PROTOCOL_VERSION);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ServerHello that
        && Arrays.equals(ackNonce, that.ackNonce)
        && Arrays.equals(serverNonce, that.serverNonce)
        && negotiatedCompression == that.negotiatedCompression
        && featuresBitmap == that.featuresBitmap
        && peerId.equals(that.peerId)
        && heartbeatIntervalSeconds == that.heartbeatIntervalSeconds
        && protocolVersion == that.protocolVersion;
  }

  @Override
  public int hashCode() {
    return (Objects.hash(negotiatedCompression, featuresBitmap, peerId, heartbeatIntervalSeconds, protocolVersion)
                * 31
            + Arrays.hashCode(ackNonce))
            * 31
        + Arrays.hashCode(serverNonce);
  }

  @Override
  public String toString() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return "ServerHello[ackNonce=" + b64.encodeToString(ackNonce)
        + ", serverNonce=" + b64.encodeToString(serverNonce)
        + ", negotiatedCompression=" + negotiatedCompression
        + ", featuresBitmap=" + featuresBitmap + ", peerId=" + peerId
        + ", heartbeatIntervalSeconds=" + heartbeatIntervalSeconds + ", protocolVersion=" + protocolVersion + "]";
  }
}
