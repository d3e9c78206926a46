package io.lifeguard.node.ops;

import io.lifeguard.protocol.token.Ed25519Keys;

/**
 * Prints a fresh private Ed25519 JWK (with its {@code kid}) on stdout, for
 * {@code LIFEGUARD_SIGNING_JWK} or a file named by {@code LIFEGUARD_SIGNING_JWK_FILE}. Used by
 * {@code ops/local-cluster.sh} and the key-rotation runbook:
 * {@code java -cp lifeguard-node.jar io.lifeguard.node.ops.GenerateSigningKey [kid]}.
 * The output is a secret: redirect it to a file readable only by its owner.
 */
public final class GenerateSigningKey {
  private GenerateSigningKey() {}

  public static void main(String[] args) {
    String kid = args.length > 0 && !args[0].isBlank() ? args[0] : "lifeguard-" + java.time.LocalDate.now();
    System.out.println(Ed25519Keys.generate(kid).toJSONString());
  }
}
