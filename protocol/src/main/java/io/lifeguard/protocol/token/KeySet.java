package io.lifeguard.protocol.token;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Ed25519 public keys tokens may be signed with, by key id. Holding several keys lets the
 * control plane rotate: publish the new key, sign with it, retire the old one once its tokens
 * expired. Only public parts are kept. Immutable.
 */
public final class KeySet {
  private final Map<String, OctetKeyPair> keysByKid;

  private KeySet(Map<String, OctetKeyPair> keysByKid) {
    this.keysByKid = Collections.unmodifiableMap(keysByKid);
  }

  /**
   * Builds a key set; private keys are reduced to their public parts.
   *
   * @throws IllegalArgumentException for a key without kid, a duplicate kid, or a non-Ed25519 key
   */
  public static KeySet of(OctetKeyPair... publicOrPrivate) {
    Map<String, OctetKeyPair> keys = new LinkedHashMap<>();
    for (OctetKeyPair key : publicOrPrivate) {
      Ed25519Keys.requireEd25519(key);
      Ed25519Keys.requireKid(key.getKeyID());
      if (keys.putIfAbsent(key.getKeyID(), key.toPublicJWK()) != null) {
        throw new IllegalArgumentException("duplicate kid: " + key.getKeyID());
      }
    }
    return new KeySet(keys);
  }

  /**
   * Parses a JWKS document ({@code {"keys":[...]}}), as served at {@code
   * /.well-known/lifeguard/jwks.json}.
   *
   * @throws IllegalArgumentException if it is not a JWKS or holds a key {@link #of} refuses
   */
  public static KeySet parse(String jwksJson) {
    JWKSet set;
    try {
      set = JWKSet.parse(jwksJson);
    } catch (ParseException e) {
      throw new IllegalArgumentException("not a valid JWKS: " + e.getMessage(), e);
    }
    List<OctetKeyPair> keys = new ArrayList<>();
    for (JWK jwk : set.getKeys()) {
      keys.add(Ed25519Keys.requireEd25519(jwk));
    }
    return of(keys.toArray(OctetKeyPair[]::new));
  }

  /** The JWKS document of the public keys; never contains private parts. */
  public String toPublicJwksJson() {
    return new JWKSet(new ArrayList<JWK>(keysByKid.values())).toPublicJWKSet().toString();
  }

  /** The public key for a kid. */
  public Optional<OctetKeyPair> key(String kid) {
    return Optional.ofNullable(keysByKid.get(kid));
  }

  /** Key ids in insertion order. */
  public List<String> kids() {
    return List.copyOf(keysByKid.keySet());
  }
}
