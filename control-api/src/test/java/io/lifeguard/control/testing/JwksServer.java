package io.lifeguard.control.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stand-in identity provider: a real HTTP server on a free loopback port serving a JWKS, plus
 * helpers that sign entitlement proofs with its keys or with keys it does not publish: RS256 with an
 * RSA key, ES256 with a P-256 key, EdDSA with an Ed25519 (OKP) key.
 */
public final class JwksServer implements AutoCloseable {
  public static final String ISSUER = "https://idp.test/";
  public static final String AUDIENCE = "lifeguard-control";

  private final HttpServer server;
  private final AtomicReference<List<JWK>> published;
  private final AtomicInteger fetches = new AtomicInteger();

  private JwksServer(HttpServer server, AtomicReference<List<JWK>> published) {
    this.server = server;
    this.published = published;
  }

  public static JwksServer start(JWK... keys) throws IOException {
    AtomicReference<List<JWK>> published = new AtomicReference<>(List.of(keys));
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    JwksServer jwks = new JwksServer(server, published);
    server.createContext("/jwks.json", exchange -> {
      jwks.fetches.incrementAndGet();
      byte[] body = new JWKSet(published.get()).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return jwks;
  }

  public static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static OctetKeyPair ed25519Key(String kid) {
    try {
      return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ECKey ecKey(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
  }

  public int fetches() {
    return fetches.get();
  }

  /** Replaces the published keys (an identity-provider rotation). */
  public void publish(JWK... keys) {
    published.set(List.of(keys));
  }

  /** A proof with the given issuer, audience, expiry and entitlements. */
  public static String proof(JWK key, String issuer, String audience, Instant expires, List<String> entitlements) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .audience(audience)
        .subject("user-1")
        .issueTime(java.util.Date.from(Instant.now().minusSeconds(10)))
        .expirationTime(java.util.Date.from(expires))
        .claim("entitlements", entitlements)
        .build();
    try {
      JWSAlgorithm algorithm;
      JWSSigner signer;
      if (key instanceof OctetKeyPair okp) {
        algorithm = JWSAlgorithm.EdDSA;
        signer = new Ed25519Signer(okp);
      } else if (key instanceof ECKey ec) {
        algorithm = JWSAlgorithm.ES256;
        signer = new ECDSASigner(ec);
      } else {
        algorithm = JWSAlgorithm.RS256;
        signer = new RSASSASigner((RSAKey) key);
      }
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid proof granting {@code fallback_ws}, valid for ten minutes. */
  public static String validProof(JWK key) {
    return proof(key, ISSUER, AUDIENCE, Instant.now().plusSeconds(600), List.of("fallback_ws"));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
