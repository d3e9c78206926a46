package io.lifeguard.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class CodecPropertiesTest {

  @Provide
  Arbitrary<Frame> frames() {
    return Combinators.combine(
            Arbitraries.of(FrameKind.class),
            Arbitraries.longs().between(0, Frame.MAX_SEQ),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(2048))
        .as(Frame::of);
  }

  @Property
  void decodeInvertsEncode(@ForAll("frames") Frame frame) {
    byte[] message = FrameCodec.encode(frame);
    assertEquals(frame, FrameCodec.decode(message));
    FrameHeader header = FrameCodec.peekHeader(message);
    assertEquals(frame.body().length, header.payloadLength());
    assertEquals(frame.seq(), header.seq());
  }

  @Property(tries = 2000)
  void frameDecoderOnlyThrowsProtocolException(@ForAll @Size(max = 64) byte[] input) {
    try {
      FrameCodec.decode(input);
    } catch (ProtocolException expected) {
      // the only acceptable failure
    }
  }

  @Property(tries = 2000)
  void helloDecoderOnlyThrowsProtocolException(@ForAll @Size(max = 300) byte[] input) {
    try {
      HelloCodec.decodeClientHello(input);
    } catch (ProtocolException expected) {
      // the only acceptable failure
    }
  }

  @Property(tries = 1000)
  void helloDecoderSurvivesJsonLikeGarbage(@ForAll("jsonish") String input) {
    try {
      HelloCodec.decodeClientHello(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      HelloCodec.decodeServerHello(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (ProtocolException expected) {
      // the only acceptable failure
    }
  }

  @Provide
  Arbitrary<String> jsonish() {
    return Arbitraries.strings()
        .withChars("{}[]\":,0123456789.eE-truefalsn \\ut_ypeclih")
        .ofMaxLength(120)
        .map(s -> "{" + s);
  }
}
