package io.lifeguard.protocol.peer;

import com.nimbusds.jose.JWSObject;
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
 * the token's claims) or {@code --mint} with a service secret, which mints a fresh token before
 * every connection attempt, as a real backend would.
 *
 * @param urls relay URLs, tried in turn
 * @param token fixed token, when not minting
 * @param mintBase control-plane HTTP base, e.g. {@code http://127.0.0.1:8080}, when minting
 * @param serviceSecret service bearer for minting
 * @param psk pre-shared key when {@code --encrypt} is on
 */
record PeerOptions(
    List<URI> urls,
    Optional<String> token,
    Optional<URI> mintBase,
    String serviceSecret,
    String sessionId,
    String role,
    Optional<byte[]> psk) {

  static final String USAGE = String.join("\n",
      "usage: RelayPeer --url ws://HOST:PORT/ws [--url ...] (--token TOKEN | --mint http://HOST:PORT",
      "                 [--service-secret SECRET] --session ID --role host|participant) [--encrypt --psk KEY]",
      "  Sends each stdin line as a DATA frame and prints each frame it receives as a line on stdout;",
      "  events go to stderr. --psk is 64 hex digits (32 bytes) or a passphrase (its SHA-256 is used);",
      "  every peer of the session must use the same. --service-secret defaults to",
      "  $LIFEGUARD_SERVICE_SECRET. Exit status: 0 after stdin ends, 1 when the relay refused us for",
      "  good, 2 for a bad command line.");

  /** @throws IllegalArgumentException with a message for the user */
  static PeerOptions parse(String[] args, Map<String, String> environment) {
    List<URI> urls = new ArrayList<>();
    String token = null;
    String mint = null;
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
        case "--mint" -> mint = value;
        case "--service-secret" -> secret = value;
        case "--session" -> session = value;
        case "--role" -> role = value;
        case "--psk" -> psk = value;
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("--url is required");
    }
    if ((token == null) == (mint == null)) {
      throw new IllegalArgumentException("give exactly one of --token and --mint");
    }
    if (token != null) {
      Map<String, Object> claims = claims(token);
      session = session != null ? session : String.valueOf(claims.get("session_id"));
      role = role != null ? role : String.valueOf(claims.get("role"));
    } else if (session == null || role == null || secret == null) {
      throw new IllegalArgumentException("--mint needs --session, --role and --service-secret");
    }
    if (encrypt != (psk != null)) {
      throw new IllegalArgumentException("--encrypt and --psk go together");
    }
    return new PeerOptions(List.copyOf(urls), Optional.ofNullable(token),
        Optional.ofNullable(mint).map(URI::create), secret, session, role,
        Optional.ofNullable(psk).map(PeerOptions::keyFrom));
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
