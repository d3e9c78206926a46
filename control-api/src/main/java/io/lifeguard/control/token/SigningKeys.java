package io.lifeguard.control.token;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.KeySet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key this node signs tokens with, and every public key tokens are accepted under. The signing
 * key comes from configuration; the extra keys let a rotation publish the next key before it signs
 * and keep the previous one until its last tokens have expired.
 *
 * @param signingKey private Ed25519 key with kid
 * @param verificationKeys the signing key's public part plus the configured extra keys
 * @param generated true when no key was configured and one was made up at start (development)
 */
public record SigningKeys(OctetKeyPair signingKey, KeySet verificationKeys, boolean generated) {
  private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);

  /** Names the configuration a missing or bad key is read from, for start-up failures. */
  public static final String SIGNING_KEY_NAMES =
      "lifeguard.tokens.signing-jwk (env LIFEGUARD_SIGNING_JWK) or lifeguard.tokens.signing-jwk-file (env LIFEGUARD_SIGNING_JWK_FILE)";

  /**
   * Loads the keys.
   *
   * @throws InvalidKeyConfigurationException naming the setting when a key is missing (production
   *     only), unreadable, not a private Ed25519 JWK with kid, or clashes with another kid
   */
  public static SigningKeys load(ControlSettings.Tokens tokens, boolean production) {
    OctetKeyPair signing;
    boolean generated = false;
    if (!tokens.signingJwk().isEmpty() && !tokens.signingJwkFile().isEmpty()) {
      throw new InvalidKeyConfigurationException(
          "lifeguard.tokens.signing-jwk", "set either signing-jwk or signing-jwk-file, not both");
    } else if (!tokens.signingJwk().isEmpty()) {
      signing = parsePrivate("lifeguard.tokens.signing-jwk", tokens.signingJwk());
    } else if (!tokens.signingJwkFile().isEmpty()) {
      String key = "lifeguard.tokens.signing-jwk-file";
      signing = parsePrivate(key, read(key, tokens.signingJwkFile()));
    } else if (production) {
      throw new InvalidKeyConfigurationException(
          "lifeguard.tokens.signing-jwk",
          "no token signing key configured in production; set " + SIGNING_KEY_NAMES);
    } else {
      String kid = "dev-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
      signing = Ed25519Keys.generate(kid);
      generated = true;
      log.warn(
          "no token signing key configured: generated a temporary Ed25519 key kid={}; tokens from this node will not verify on other nodes or after a restart. Set {}",
          kid, SIGNING_KEY_NAMES);
    }

    List<OctetKeyPair> all = new ArrayList<>();
    all.add(signing);
    String extra = tokens.additionalJwks().strip();
    if (!extra.isEmpty()) {
      String key = "lifeguard.tokens.additional-jwks";
      String json = extra.startsWith("{") ? extra : read(key, extra);
      try {
        KeySet extraKeys = KeySet.parse(json);
        for (String kid : extraKeys.kids()) all.add(extraKeys.key(kid).orElseThrow());
      } catch (IllegalArgumentException e) {
        throw new InvalidKeyConfigurationException(key, e.getMessage());
      }
    }
    KeySet verification;
    try {
      verification = KeySet.of(all.toArray(OctetKeyPair[]::new));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyConfigurationException("lifeguard.tokens.additional-jwks", e.getMessage());
    }
    log.info("token signing kid={}, accepted kids={}", signing.getKeyID(), verification.kids());
    return new SigningKeys(signing, verification, generated);
  }

  private static OctetKeyPair parsePrivate(String setting, String json) {
    OctetKeyPair key;
    try {
      key = Ed25519Keys.parse(json);
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyConfigurationException(setting, e.getMessage());
    }
    if (!key.isPrivate()) {
      throw new InvalidKeyConfigurationException(setting, "the signing JWK has no private part (d)");
    }
    if (key.getKeyID() == null || key.getKeyID().isBlank()) {
      throw new InvalidKeyConfigurationException(setting, "the signing JWK has no kid");
    }
    return key;
  }

  private static String read(String setting, String file) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new InvalidKeyConfigurationException(setting, "cannot read '" + file + "': " + e.getMessage());
    }
  }

  /** A key setting that cannot be used; the message names the setting and never the key. */
  public static final class InvalidKeyConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String setting;

    public InvalidKeyConfigurationException(String setting, String problem) {
      super(setting + ": " + problem);
      this.setting = setting;
    }

    public String setting() {
      return setting;
    }
  }
}
