package io.lifeguard.protocol;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Encodes and decodes hellos: one UTF-8 JSON object per WebSocket binary message, at most {@link
 * #MAX_HELLO_BYTES}, with a {@code "type"} discriminator first and snake_case keys. Nonces are
 * base64url without padding. Unknown extra keys are ignored so that later versions can add
 * fields. A server tells a hello from a frame by the first byte: '{' (0x7B) is never a valid
 * frame version.
 *
 * <p>Every method throws {@link ProtocolException}: {@link ErrorCode#OVERSIZED} above the size
 * limit, {@link ErrorCode#UNKNOWN_ROLE} and {@link ErrorCode#UNSUPPORTED_COMPRESSION} for unknown
 * names, {@link ErrorCode#MALFORMED_HELLO} for everything else (not UTF-8, not a JSON object,
 * wrong type, missing or wrong-typed field, nonce not 16 bytes, bad identifier, out-of-range
 * number). Encoding applies the same checks, so an invalid hello is never sent.
 */
public final class HelloCodec {
  public static final int MAX_HELLO_BYTES = 8192;
  public static final int NONCE_LENGTH = 16;
  public static final String CLIENT_HELLO_TYPE = "client_hello";
  public static final String SERVER_HELLO_TYPE = "server_hello";

  /** Pattern for session ids and peer ids. */
  public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private static final Base64.Encoder B64_ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();
  private static final Pattern B64URL_NO_PAD = Pattern.compile("[A-Za-z0-9_-]*");

  private HelloCodec() {}

  /** True when a binary message looks like a JSON hello rather than a frame. */
  public static boolean looksLikeHello(byte[] message) {
    return message.length > 0 && message[0] == '{';
  }

  public static byte[] encodeClientHello(ClientHello hello) {
    validate(hello);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", CLIENT_HELLO_TYPE);
    json.put("session_id", hello.sessionId());
    json.put("token", hello.token());
    json.put("client_nonce", B64_ENCODER.encodeToString(hello.clientNonce()));
    json.put("protocol_version", (long) hello.protocolVersion());
    json.put("compression", hello.compression().wireName());
    json.put("role", hello.role().wireName());
    if (hello.features() != 0) json.put("features", hello.features());
    return toBytes(json);
  }

  public static ClientHello decodeClientHello(byte[] message) {
    Map<String, Object> json = parse(message, CLIENT_HELLO_TYPE);
    ClientHello hello =
        new ClientHello(
            string(json, "session_id"),
            string(json, "token"),
            nonce(json, "client_nonce"),
            (int) integer(json, "protocol_version", 1, 255),
            Compression.fromWire(string(json, "compression")),
            Role.fromWire(string(json, "role")),
            // Optional: clients that predate it ask for nothing.
            json.containsKey("features") ? integer(json, "features", 0, Long.MAX_VALUE) : 0);
    validate(hello);
    return hello;
  }

  public static byte[] encodeServerHello(ServerHello hello) {
    validate(hello);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", SERVER_HELLO_TYPE);
    json.put("ack_nonce", B64_ENCODER.encodeToString(hello.ackNonce()));
    json.put("server_nonce", B64_ENCODER.encodeToString(hello.serverNonce()));
    json.put("negotiated_compression", hello.negotiatedCompression().wireName());
    json.put("features_bitmap", hello.featuresBitmap());
    json.put("peer_id", hello.peerId());
    json.put("heartbeat_interval", (long) hello.heartbeatIntervalSeconds());
    json.put("protocol_version", (long) hello.protocolVersion());
    return toBytes(json);
  }

  public static ServerHello decodeServerHello(byte[] message) {
    Map<String, Object> json = parse(message, SERVER_HELLO_TYPE);
    ServerHello hello =
        new ServerHello(
            nonce(json, "ack_nonce"),
            nonce(json, "server_nonce"),
            Compression.fromWire(string(json, "negotiated_compression")),
            integer(json, "features_bitmap", 0, Long.MAX_VALUE),
            string(json, "peer_id"),
            (int) integer(json, "heartbeat_interval", 1, 3600),
            // Absent in servers that predate negotiation: they speak version 1.
            json.containsKey("protocol_version") ? (int) integer(json, "protocol_version", 1, 255) : 1);
    validate(hello);
    return hello;
  }

  private static void validate(ClientHello hello) {
    identifier("session_id", hello.sessionId());
    if (hello.token() == null || hello.token().isEmpty()) {
      throw malformed("token must be a non-empty string");
    }
    nonceLength("client_nonce", hello.clientNonce());
    if (hello.protocolVersion() < 1 || hello.protocolVersion() > 255) {
      throw malformed("protocol_version out of range");
    }
    if (hello.compression() == null || hello.role() == null) {
      throw malformed("compression and role are required");
    }
    if (hello.features() < 0) {
      throw malformed("features must not be negative");
    }
  }

  private static void validate(ServerHello hello) {
    nonceLength("ack_nonce", hello.ackNonce());
    nonceLength("server_nonce", hello.serverNonce());
    identifier("peer_id", hello.peerId());
    if (hello.negotiatedCompression() == null) {
      throw malformed("negotiated_compression is required");
    }
    if (hello.featuresBitmap() < 0) {
      throw malformed("features_bitmap must not be negative");
    }
    if (hello.heartbeatIntervalSeconds() < 1 || hello.heartbeatIntervalSeconds() > 3600) {
      throw malformed("heartbeat_interval out of range 1..3600");
    }
    if (hello.protocolVersion() < 1 || hello.protocolVersion() > 255) {
      throw malformed("protocol_version out of range 1..255");
    }
  }

  private static void identifier(String field, String value) {
    if (value == null || !IDENTIFIER.matcher(value).matches()) {
      throw malformed(field + " must match " + IDENTIFIER.pattern());
    }
  }

  private static void nonceLength(String field, byte[] nonce) {
    if (nonce == null || nonce.length != NONCE_LENGTH) {
      throw malformed(field + " must be " + NONCE_LENGTH + " bytes");
    }
  }

  private static byte[] toBytes(Map<String, Object> json) {
    byte[] bytes = JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_HELLO_BYTES) {
      throw new ProtocolException(ErrorCode.OVERSIZED, "hello of " + bytes.length + " bytes");
    }
    return bytes;
  }

  private static Map<String, Object> parse(byte[] message, String expectedType) {
    if (message.length > MAX_HELLO_BYTES) {
      throw new ProtocolException(
          ErrorCode.OVERSIZED, "hello of " + message.length + " bytes exceeds " + MAX_HELLO_BYTES);
    }
    if (!looksLikeHello(message)) {
      throw malformed("a hello is a JSON object and starts with '{'");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(message))
              .toString();
    } catch (CharacterCodingException e) {
      throw malformed("hello is not valid UTF-8");
    }
    Map<String, Object> json;
    try {
      json = JSONObjectUtils.parse(text, MAX_HELLO_BYTES);
    } catch (ParseException | RuntimeException | StackOverflowError e) {
      // The JSON parser signals some syntax errors with unchecked exceptions; all are bad input.
      throw malformed("hello is not a JSON object");
    }
    if (json == null) {
      throw malformed("hello is not a JSON object");
    }
    Object type = json.get("type");
    if (!expectedType.equals(type)) {
      throw malformed("type must be \"" + expectedType + "\"");
    }
    return json;
  }

  private static String string(Map<String, Object> json, String field) {
    Object value = json.get(field);
    if (!(value instanceof String text)) {
      throw malformed(field + " must be a string");
    }
    return text;
  }

  private static byte[] nonce(Map<String, Object> json, String field) {
    String text = string(json, field);
    if (!B64URL_NO_PAD.matcher(text).matches()) {
      throw malformed(field + " must be base64url without padding");
    }
    byte[] bytes;
    try {
      bytes = B64_DECODER.decode(text);
    } catch (IllegalArgumentException e) {
      throw malformed(field + " must be base64url without padding");
    }
    nonceLength(field, bytes);
    return bytes;
  }

  private static long integer(Map<String, Object> json, String field, long min, long max) {
    Object value = json.get(field);
    long result;
    if (value instanceof Long || value instanceof Integer) {
      result = ((Number) value).longValue();
    } else if (value instanceof Number number
        && Math.abs(number.doubleValue()) < 0x1p53
        && number.doubleValue() == Math.rint(number.doubleValue())) {
      result = (long) number.doubleValue();
    } else {
      throw malformed(field + " must be an integer");
    }
    if (result < min || result > max) {
      throw malformed(field + " out of range " + min + ".." + max);
    }
    return result;
  }

  private static ProtocolException malformed(String message) {
    return new ProtocolException(ErrorCode.MALFORMED_HELLO, message);
  }
}
