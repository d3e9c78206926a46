package io.lifeguard.protocol.peer;

import com.nimbusds.jose.JWSObject;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.Role;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Command line of {@link RelayPeer}. Either a fixed {@code --token} (session and role default to
 * the token's claims) or minting through the node's HTTP API with a service secret, a fresh token
 * before every connection attempt, as a real backend would. Without {@code --url} the relay URL
 * comes from the node's {@code /healthz} (its edge listener, else the HTTP port).
 *
 * @param urls relay URLs, tried in turn; empty means ask the node
 * @param token fixed token, when not minting
 * @param node the node's HTTP base, e.g. {@code http://127.0.0.1:8080}, for minting and discovery
 * @param serviceSecret service bearer for minting
 * @param psk pre-shared key when {@code --encrypt} is on
 */
record PeerOptions(
    List<URI> urls,
    Optional<String> token,
    URI node,
    String serviceSecret,
    String sessionId,
    String role,
    Optional<byte[]> psk) {

  static final String USAGE = String.join("\n",
      "usage: RelayPeer [--node http://HOST:PORT] [--url ws://HOST:PORT/ws ...]",
      "                 (--session ID --role host|participant [--service-secret SECRET] | --token TOKEN)",
      "                 [--encrypt --psk KEY]",
      "  Sends each stdin line as a DATA frame and prints each frame it receives as a line on stdout;",
      "  events go to stderr as 'peer: ...' lines.",
      "  --node     the node's HTTP API (default http://127.0.0.1:8080): mints a token per attempt",
      "             (POST /v1/fallback/token) and, without --url, names the relay URL (/healthz)",
      "  --service-secret  service bearer for minting; default $LIFEGUARD_SERVICE_SECRET",
      "  --token    a fixed token instead (session and role default to its claims)",
      "  --psk      64 hex digits (32 bytes) or a passphrase (its SHA-256 is the key); every peer of",
      "             the session uses the same. The demo page at /demo/ derives its key the same way.",
      "  Exit status: 0 after stdin ends, 1 when the relay refused us for good, 2 for a bad command line.");

  /** @throws IllegalArgumentException with a message for the user */
  static PeerOptions parse(String[] args, Map<String, String> environment) {
    List<URI> urls = new ArrayList<>();
    String token = null;
    String node = "http://127.0.0.1:8080";
    String secret = environment.get("LIFEGUARD_SERVICE_SECRET");
    String session = null;
    String role = null;
    String psk = null;
    boolean encrypt = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--encrypt")) {
        encrypt = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--url" -> urls.add(URI.create(value));
        case "--token" -> token = value;
        case "--node", "--mint" -> node = value;
        case "--service-secret" -> secret = value;
        case "--session" -> session = value;
        case "--role" -> role = value;
        case "--psk" -> psk = value;
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    for (URI url : urls) {
      if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
        throw new IllegalArgumentException("--url must be ws:// or wss://: " + url);
      }
    }
    if (token != null) {
      Map<String, Object> claims = claims(token);
      session = session != null ? session : String.valueOf(claims.get("session_id"));
      role = role != null ? role : String.valueOf(claims.get("role"));
    } else if (session == null || role == null || secret == null) {
      throw new IllegalArgumentException(
          "give --session, --role and a service secret (--service-secret or $LIFEGUARD_SERVICE_SECRET), or --token");
    }
    try {
      Role.fromWire(role);
    } catch (ProtocolException e) {
      throw new IllegalArgumentException("--role must be host or participant, not " + role);
    }
    if (encrypt != (psk != null)) {
      throw new IllegalArgumentException("--encrypt and --psk go together");
    }
    return new PeerOptions(List.copyOf(urls), Optional.ofNullable(token), URI.create(node), secret, session, role,
        Optional.ofNullable(psk).map(PeerOptions::keyFrom));
  }

  PeerOptions withUrls(List<URI> relayUrls) {
    return new PeerOptions(List.copyOf(relayUrls), token, node, serviceSecret, sessionId, role, psk);
  }

  /** 64 hex digits are the key itself; anything else is a passphrase hashed with SHA-256. */
  static byte[] keyFrom(String text) {
    if (text.matches("[0-9a-fA-F]{64}")) {
      return HexFormat.of().parseHex(text);
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }

  private static Map<String, Object> claims(String token) {
    try {
      return JWSObject.parse(token).getPayload().toJSONObject();
    } catch (ParseException | RuntimeException e) {
      throw new IllegalArgumentException("--token is not a compact JWS: " + e.getMessage());
    }
  }
}
