package io.lifeguard.protocol.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The relay peer's command line: what it accepts, its defaults, and each refusal's message. */
class PeerOptionsTest {
  private static final Map<String, String> ENV = Map.of("LIFEGUARD_SERVICE_SECRET", "from-env");
  // docs/protocol.md's token vector: session sess-1, role host.
  private static final String TOKEN = "eyJraWQiOiJ0ZXN0LTIwMjUiLCJ0eXAiOiJsaWZlZ3VhcmQrand0IiwiYWxnIjoiRWREU0EifQ"
      + ".eyJpc3MiOiJsaWZlZ3VhcmQiLCJzZXNzaW9uX2lkIjoic2Vzcy0xIiwicm9sZSI6Imhvc3QiLCJpYXQiOjE3NjAxODQwMDAsImV4cCI6MTc2"
      + "MDE4NDMwMCwiY29ob3J0IjoiY29ob3J0LWEiLCJmZWF0dXJlX2JpdHMiOjEsImp0aSI6Imp0aS0wMDAxIn0"
      + ".AC4zSJQcLN0tjwey4Y-knDNr5VZq5F0rnnJiJ5qGYxzBrsLpnCW7hhf8PGYSoC1Tu4kBvF64cViI9TYpVCkHDg";

  @Test
  void mintingDefaultsToTheLocalNodeAndTheEnvironmentsSecret() {
    PeerOptions options = PeerOptions.parse(new String[] {"--session", "demo", "--role", "host"}, ENV);
    assertEquals(URI.create("http://127.0.0.1:8080"), options.node());
    assertEquals("from-env", options.serviceSecret());
    assertTrue(options.urls().isEmpty(), "the URL comes from /healthz");
    assertTrue(options.psk().isEmpty());
  }

  @Test
  void aFixedTokenSuppliesSessionAndRole() {
    PeerOptions options = PeerOptions.parse(new String[] {"--token", TOKEN, "--url", "ws://127.0.0.1:1/ws"}, Map.of());
    assertEquals("sess-1", options.sessionId());
    assertEquals("host", options.role());
    assertEquals(List.of(URI.create("ws://127.0.0.1:1/ws")), options.urls());
  }

  @Test
  void pskIsHexOrTheSha256OfAPassphrase() {
    assertArrayEquals(HexFormat.of().parseHex("00".repeat(31) + "ff"), PeerOptions.keyFrom("00".repeat(31) + "ff"));
    // SHA-256("abc"), FIPS 180-2; the demo page derives its key with WebCrypto the same way.
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        HexFormat.of().formatHex(PeerOptions.keyFrom("abc")));
  }

  @Test
  void refusalsNameTheProblem() {
    assertRefused("give --session, --role", "--session", "demo");
    assertRefused("--role must be host or participant", "--session", "d", "--role", "boss", "--service-secret", "s");
    assertRefused("--encrypt and --psk go together", "--session", "d", "--role", "host", "--service-secret", "s", "--encrypt");
    assertRefused("--url must be ws:// or wss://", "--url", "http://x/ws", "--token", TOKEN);
    assertRefused("--token is not a compact JWS", "--token", "nope");
    assertRefused("unknown option --bogus", "--bogus", "1");
    assertRefused("--session needs a value", "--session");
  }

  private static void assertRefused(String message, String... args) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> PeerOptions.parse(args, Map.of()));
    assertTrue(error.getMessage().contains(message), error.getMessage());
  }
}
