package io.lifeguard.node.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.lifeguard.node.config.InvalidSettingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bridge's pure parts: settings, JSON and token parsing, UTF-8 sizes, admission limits. */
class BridgeUnitTest {
  @Test
  void defaultsMatchTheDocumentation() {
    BridgeSettings s = BridgeSettings.create(ConfigFactory.load());
    assertEquals(64 * 1024, s.maxMessageBytes());
    assertEquals(10L * 1024 * 1024, s.sendBufferBytes());
    assertEquals(Duration.ofSeconds(30), s.idleTimeout());
    assertEquals(Duration.ofSeconds(5), s.handshakeTimeout());
    assertEquals(10000, s.maxConnections());
  }

  @Test
  void badSettingsNameTheirKey() {
    var bad = ConfigFactory.parseMap(Map.of("lifeguard.bridge.send-buffer-size", "1KiB")).withFallback(ConfigFactory.load());
    var e = assertThrows(InvalidSettingException.class, () -> BridgeSettings.create(bad));
    assertTrue(e.getMessage().contains("lifeguard.bridge.send-buffer-size"), e.getMessage());
    var zero = ConfigFactory.parseMap(Map.of("lifeguard.bridge.idle-timeout", "0s")).withFallback(ConfigFactory.load());
    assertThrows(InvalidSettingException.class, () -> BridgeSettings.create(zero));
  }

  @Test
  void jsonValidationAcceptsExactlyOneValue() {
    for (String ok : new String[] {"{}", "[1,2]", "\"s\"", "3", "null", " {\"a\":{\"b\":[true]}} "}) {
      assertEquals(ok, BridgeConnection.requireJson(ok));
    }
    for (String bad : new String[] {"", " ", "{", "{} {}", "1 2", "{\"a\":1}x", "nope", "{'a':1}"}) {
      var e = assertThrows(BridgeConnection.Closure.class, () -> BridgeConnection.requireJson(bad), bad);
      assertEquals(CloseReason.INVALID_JSON, e.reason);
    }
  }

  @Test
  void bearerParsing() {
    assertEquals(Optional.of("abc.DEF-_~+/="), BridgeEdgeRoute.bearer("Bearer abc.DEF-_~+/="));
    assertEquals(Optional.of("t"), BridgeEdgeRoute.bearer("bearer t"));
    assertFalse(BridgeEdgeRoute.bearer("Bearer").isPresent());
    assertFalse(BridgeEdgeRoute.bearer("Bearer a b").isPresent());
    assertFalse(BridgeEdgeRoute.bearer("Basic abc").isPresent());
  }

  @Test
  void utf8LengthMatchesTheEncoder() {
    for (String s : new String[] {"", "abc", "é", "€", "😀", "a😀é€", "\uD800x"}) {
      assertEquals(s.getBytes(StandardCharsets.UTF_8).length, Utf8.length(s), s);
    }
  }

  @Test
  void connectionCapAndRateBucket() {
    ConnectionLimits limits = new ConnectionLimits(2, 0.001, 3);
    assertTrue(limits.tryReserve());
    assertTrue(limits.tryReserve());
    assertFalse(limits.tryReserve());
    limits.release();
    assertTrue(limits.tryReserve());
    for (int i = 0; i < 3; i++) assertTrue(limits.tryRate("10.0.0.1"));
    assertFalse(limits.tryRate("10.0.0.1"));
    assertTrue(limits.tryRate("10.0.0.2"), "buckets are per address");
  }
}
