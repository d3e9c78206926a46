package io.lifeguard.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.ProtocolException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class CryptoPropertiesTest {

  @Property(tries = 200)
  void sealOpenRoundTrip(
      @ForAll CipherSuite suite,
      @ForAll FrameKind kind,
      @ForAll @Size(max = 1024) byte[] payload,
      @ForAll @IntRange(min = 0, max = 5) int framesBefore) {
    if (!kind.forwarded()) {
      return;
    }
    FrameSealer sealer = new FrameSealer(FrameCryptoTest.schedule(suite), 2);
    FrameOpener opener = new FrameOpener(FrameCryptoTest.schedule(suite));
    for (int i = 0; i < framesBefore; i++) {
      opener.open(sealer.seal(kind, new byte[i]));
    }
    byte[] wire = FrameCodec.encode(sealer.seal(kind, payload));
    assertArrayEquals(payload, opener.open(FrameCodec.decode(wire)));
  }

  @Property(tries = 300)
  void anySingleBitFlipFailsToOpen(
      @ForAll CipherSuite suite,
      @ForAll @Size(max = 64) byte[] payload,
      @ForAll @IntRange(min = 0, max = 100_000) int bitSeed) {
    Frame sealed = new FrameSealer(FrameCryptoTest.schedule(suite)).seal(FrameKind.DATA, payload);
    byte[] wire = FrameCodec.encode(sealed);
    int bit = bitSeed % (wire.length * 8);
    wire[bit / 8] ^= (byte) (1 << (bit % 8));
    FrameOpener opener = new FrameOpener(FrameCryptoTest.schedule(suite));
    assertThrows(ProtocolException.class, () -> opener.open(FrameCodec.decode(wire)));
  }
}
