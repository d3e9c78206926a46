package io.lifeguard.node.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.util.Random;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class SharedFrameTest {

  @Test
  void encodesWhatAClientDecoderReadsBackAtEveryLengthForm() {
    // 7-bit, 16-bit and 64-bit length forms, at their edges; 65,543 is the relay's largest frame.
    for (int length : new int[] {0, 1, 125, 126, 65_535, 65_536, 65_543}) {
      byte[] payload = new byte[length];
      new Random(length).nextBytes(payload);
      SharedFrame frame = SharedFrame.binary(ByteString.fromArrayUnsafe(payload));
      EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(
          WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).maxFramePayloadLength(70_000).build()));
      frame.retain();
      assertTrue(client.writeInbound(frame.view()));
      BinaryWebSocketFrame decoded = client.readInbound();
      assertTrue(decoded.isFinalFragment());
      assertArrayEquals(payload, ByteBufUtil.getBytes(decoded.content()), "payload of " + length + " bytes");
      decoded.release();
      frame.release();
      client.finishAndReleaseAll();
    }
  }

  @Test
  void everyViewReadsTheWholeFrameAndTheLastReleaseFreesIt() {
    SharedFrame frame = SharedFrame.binary(ByteString.fromString("hello"));
    frame.retain();
    frame.retain();
    ByteBuf first = frame.view();
    ByteBuf second = frame.view();
    first.skipBytes(first.readableBytes());
    assertEquals(7, second.readableBytes(), "views keep their own reader index");
    assertEquals(3, frame.references(), "the creator's and one per view");
    first.release();
    second.release();
    assertEquals(1, frame.references(), "the creator's reference is still held");
    frame.release();
    assertEquals(0, frame.references());
  }
}
