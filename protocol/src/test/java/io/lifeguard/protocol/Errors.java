package io.lifeguard.protocol;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Test helper: the error code an action fails with. */
public final class Errors {
  private Errors() {}

  public static ErrorCode codeOf(Runnable action) {
    return assertThrows(ProtocolException.class, action::run).code();
  }
}
