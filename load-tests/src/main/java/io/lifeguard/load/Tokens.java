package io.lifeguard.load;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** Mints relay tokens with the same private key the node was started with. */
final class Tokens {
  private final TokenSigner signer;

  Tokens(OctetKeyPair key) {
    this.signer = new TokenSigner(key);
  }

  static Tokens fromFile(Path jwkFile) {
    try {
      return new Tokens(Ed25519Keys.parse(Files.readString(jwkFile).trim()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the signing JWK " + jwkFile, e);
    }
  }

  String mint(String sessionId, Role role) {
    Instant now = Instant.now();
    return signer.sign(new TokenClaims(sessionId, role, now, now.plus(Duration.ofMinutes(4)), "load",
        FeatureBits.FALLBACK_AUTHORIZED, UUID.randomUUID().toString()));
  }

  /**
   * A supplier that hands out a token minted now (so the timed part of a scenario does not pay for
   * signing) and mints fresh ones for reconnects.
   */
  Supplier<String> premintedSupplier(String sessionId, Role role) {
    AtomicReference<String> first = new AtomicReference<>(mint(sessionId, role));
    return () -> {
      String token = first.getAndSet(null);
      return token != null ? token : mint(sessionId, role);
    };
  }
}
