package io.lifeguard.protocol;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The first message a client sends after the WebSocket upgrade. Encoded by {@link HelloCodec}.
 *
 * @param sessionId session to join, matching {@code [A-Za-z0-9._:-]{1,128}}
 * @param token compact JWS issued by the control plane
 * @param clientNonce 16 fresh random bytes, never reused
 * @param protocolVersion frame protocol version the client speaks ({@link FrameCodec#VERSION})
 * @param compression compression the client would like (a hint, see {@link Compression})
 * @param role role the client asks for; must equal the token's role
 * @param features feature bits the client asks for ({@link FeatureBits#CLIENT_REQUESTABLE}); 0 for
 *     none, and then the key is left out of the hello as nodes that predate it expect
 */
public record ClientHello(
    String sessionId,
    String token,
    byte[] clientNonce,
    int protocolVersion,
    Compression compression,
    Role role,
    long features) {

  /** A hello that asks for no feature. */
  public ClientHello(String sessionId, String token, byte[] clientNonce, int protocolVersion, Compression compression, Role role) {
    this(sessionId, token, clientNonce, protocolVersion, compression, role, 0);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ClientHello that
        && sessionId.equals(that.sessionId)
        && token.equals(that.token)
        && Arrays.equals(clientNonce, that.clientNonce)
        && protocolVersion == that.protocolVersion
        && compression == that.compression
        && role == that.role
        && features == that.features;
  }

  @Override
  public int hashCode() {
    return Objects.hash(sessionId, token, protocolVersion, compression, role, features) * 31
        + Arrays.hashCode(clientNonce);
  }

  /** Leaves the token out: it is a bearer credential. */
  @Override
  public String toString() {
    return "ClientHello[sessionId=" + sessionId + ", token=<" + token.length() + " chars>"
        + ", clientNonce=" + Base64.getUrlEncoder().withoutPadding().encodeToString(clientNonce)
        + ", protocolVersion=" + protocolVersion + ", compression=" + compression
        + ", role=" + role + ", features=" + features + "]";
  }
}
