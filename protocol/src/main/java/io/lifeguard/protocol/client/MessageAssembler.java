package io.lifeguard.protocol.client;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Joins the parts java.net.http delivers for one WebSocket message (it may split a message
 * anywhere) into one array, refusing messages above a limit before buffering them whole. Not
 * thread-safe; WebSocket listeners are called one at a time.
 */
public final class MessageAssembler {
  private final int maxMessageBytes;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  public MessageAssembler(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Adds one part; returns the whole message when {@code last} is true.
   *
   * @throws ProtocolException {@link ErrorCode#OVERSIZED} when the message grows above the limit
   */
  public Optional<byte[]> accept(ByteBuffer part, boolean last) {
    int length = part.remaining();
    if (buffer.size() + length > maxMessageBytes) {
      buffer.reset();
      throw new ProtocolException(
          ErrorCode.OVERSIZED, "message exceeds " + maxMessageBytes + " bytes");
    }
    byte[] bytes = new byte[length];
    part.get(bytes);
    buffer.write(bytes, 0, length);
    if (!last) {
      return Optional.empty();
    }
    byte[] message = buffer.toByteArray();
    buffer.reset();
    return Optional.of(message);
  }
}
