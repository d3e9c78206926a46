package io.lifeguard.protocol;

import static io.lifeguard.protocol.Errors.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HelloCodecTest {
  static final byte[] NONCE_A = new byte[16];
  static final byte[] NONCE_B = new byte[16];

  static {
    Arrays.fill(NONCE_A, (byte) 0xAA);
    Arrays.fill(NONCE_B, (byte) 0xBB);
  }

  static ClientHello clientHello() {
    return new ClientHello("sess-1", "tok.en.x", NONCE_A, 1, Compression.NONE, Role.HOST);
  }

  static ServerHello serverHello() {
    return new ServerHello(NONCE_A, NONCE_B, Compression.NONE, 0b10001, "peer-7", 15);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static ErrorCode clientError(String json) {
    return codeOf(() -> HelloCodec.decodeClientHello(utf8(json)));
  }

  private static ErrorCode serverError(String json) {
    return codeOf(() -> HelloCodec.decodeServerHello(utf8(json)));
  }

  @Test
  void clientHelloWireForm() {
    String json = new String(HelloCodec.encodeClientHello(clientHello()), StandardCharsets.UTF_8);
    assertEquals("{\"type\":\"client_hello\",\"session_id\":\"sess-1\",\"token\":\"tok.en.x\","
        + "\"client_nonce\":\"qqqqqqqqqqqqqqqqqqqqqg\",\"protocol_version\":1,"
        + "\"compression\":\"none\",\"role\":\"host\"}", json);
    assertEquals(clientHello(), HelloCodec.decodeClientHello(utf8(json)));
  }

  @Test
  void clientHelloAsksForFeatures() {
    ClientHello asking = new ClientHello("sess-1", "tok.en.x", NONCE_A, 1, Compression.NONE, Role.HOST,
        FeatureBits.HEARTBEAT_ANSWER);
    String json = new String(HelloCodec.encodeClientHello(asking), StandardCharsets.UTF_8);
    assertTrue(json.endsWith(",\"role\":\"host\",\"features\":32}"), json);
    assertEquals(asking, HelloCodec.decodeClientHello(utf8(json)));
    // Without the key (clients that predate it) the hello asks for nothing.
    assertEquals(0, clientHello().features());
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(json.replace("\"features\":32", "\"features\":-1")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(json.replace("\"features\":32", "\"features\":\"32\"")));
  }

  @Test
  void serverHelloWireForm() {
    String json = new String(HelloCodec.encodeServerHello(serverHello()), StandardCharsets.UTF_8);
    assertEquals("{\"type\":\"server_hello\",\"ack_nonce\":\"qqqqqqqqqqqqqqqqqqqqqg\","
        + "\"server_nonce\":\"u7u7u7u7u7u7u7u7u7u7uw\",\"negotiated_compression\":\"none\","
        + "\"features_bitmap\":17,\"peer_id\":\"peer-7\",\"heartbeat_interval\":15,\"protocol_version\":1}", json);
    assertEquals(serverHello(), HelloCodec.decodeServerHello(utf8(json)));
    // A server hello without protocol_version (servers before negotiation) means version 1.
    String legacy = json.replace(",\"protocol_version\":1", "");
    assertEquals(1, HelloCodec.decodeServerHello(utf8(legacy)).protocolVersion());
  }

  @Test
  void ignoresUnknownFieldsAndKeyOrder() {
    ClientHello hello = HelloCodec.decodeClientHello(utf8("{\"role\":\"viewer\",\"extra\":[1,2],"
        + "\"type\":\"client_hello\",\"session_id\":\"s\",\"token\":\"t\","
        + "\"client_nonce\":\"qqqqqqqqqqqqqqqqqqqqqg\",\"protocol_version\":1,\"compression\":\"brotli\"}"));
    assertEquals(Role.VIEWER, hello.role());
    assertEquals(Compression.BROTLI, hello.compression());
  }

  @Test
  void rejectsMalformedClientHellos() {
    String good = new String(HelloCodec.encodeClientHello(clientHello()), StandardCharsets.UTF_8);
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(""));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError("not json"));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError("{"));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError("[1]"));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError("{}"));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("client_hello", "server_hello")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"token\":\"tok.en.x\",", "")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"tok.en.x\"", "42")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"tok.en.x\"", "\"\"")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("sess-1", "sess 1")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("sess-1", "s".repeat(129))));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"sess-1\"", "null")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("qqqqqqqqqqqqqqqqqqqqqg", "qqqq")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("qqqqqqqqqqqqqqqqqqqqqg", "qqqqqqqqqqqqqqqqqqqqqg==")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("qqqqqqqqqqqqqqqqqqqqqg", "qqqqqqqqqqqqqqqqqqqq+g")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"protocol_version\":1", "\"protocol_version\":\"1\"")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"protocol_version\":1", "\"protocol_version\":1.5")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"protocol_version\":1", "\"protocol_version\":0")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"protocol_version\":1", "\"protocol_version\":256")));
    assertEquals(ErrorCode.UNSUPPORTED_COMPRESSION, clientError(good.replace("\"none\"", "\"gzip\"")));
    assertEquals(ErrorCode.UNKNOWN_ROLE, clientError(good.replace("\"host\"", "\"admin\"")));
    assertEquals(ErrorCode.MALFORMED_HELLO, clientError(good.replace("\"host\"", "7")));
    assertEquals(ErrorCode.OVERSIZED, clientError(good.replace("tok.en.x", "t".repeat(HelloCodec.MAX_HELLO_BYTES))));
    assertEquals(ErrorCode.MALFORMED_HELLO,
        codeOf(() -> HelloCodec.decodeClientHello(new byte[] {'{', (byte) 0xff, '}'})));
  }

  @Test
  void rejectsMalformedServerHellos() {
    String good = new String(HelloCodec.encodeServerHello(serverHello()), StandardCharsets.UTF_8);
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace("server_hello", "client_hello")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace("\"peer-7\"", "\"\"")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace("u7u7u7u7u7u7u7u7u7u7uw", "u7u7")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace(":15,", ":0,")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace("\"protocol_version\":1", "\"protocol_version\":0")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace("\"protocol_version\":1", "\"protocol_version\":256")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace(":17,", ":-1,")));
    assertEquals(ErrorCode.MALFORMED_HELLO, serverError(good.replace(":17,", ":true,")));
    assertEquals(ErrorCode.UNSUPPORTED_COMPRESSION, serverError(good.replace("\"none\"", "\"zstd\"")));
  }

  @Test
  void encodeRefusesInvalidHellos() {
    assertEquals(ErrorCode.MALFORMED_HELLO, codeOf(() -> HelloCodec.encodeClientHello(
        new ClientHello("s", "t", new byte[15], 1, Compression.NONE, Role.HOST))));
    assertEquals(ErrorCode.MALFORMED_HELLO, codeOf(() -> HelloCodec.encodeServerHello(
        new ServerHello(NONCE_A, NONCE_B, Compression.NONE, 0, "bad id", 15))));
  }

  @Test
  void toStringHidesToken() {
    assertFalse(clientHello().toString().contains("tok.en.x"));
    assertTrue(HelloCodec.looksLikeHello(HelloCodec.encodeClientHello(clientHello())));
  }
}
