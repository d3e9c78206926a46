package io.lifeguard.protocol;

/**
 * The second header byte of a frame. CONTROL and DATA frames are forwarded by the relay to the
 * other peers of the session; HEARTBEAT and CLOSE frames are hop-by-hop between a client and the
 * node it is connected to.
 */
public enum FrameKind {
  CONTROL(0),
  DATA(1),
  HEARTBEAT(2),
  CLOSE(3);

  private static final FrameKind[] BY_CODE = {CONTROL, DATA, HEARTBEAT, CLOSE};

  private final int code;

  FrameKind(int code) {
    this.code = code;
  }

  /** The unsigned byte written on the wire. */
  public int code() {
    return code;
  }

  /** True for kinds the relay forwards to other peers (CONTROL, DATA). */
  public boolean forwarded() {
    return this == CONTROL || this == DATA;
  }

  /**
   * Looks a kind up by its wire code.
   *
   * @throws ProtocolException with {@link ErrorCode#UNKNOWN_KIND} for any other value
   */
  public static FrameKind fromCode(int code) {
    if (code < 0 || code >= BY_CODE.length) {
      throw new ProtocolException(ErrorCode.UNKNOWN_KIND, "unknown frame kind: " + code);
    }
    return BY_CODE[code];
  }
}
