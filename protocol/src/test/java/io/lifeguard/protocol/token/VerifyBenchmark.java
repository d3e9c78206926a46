package io.lifeguard.protocol.token;

import com.google.crypto.tink.subtle.Ed25519Verify;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.protocol.Role;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Not a test: a micro-loop of Ed25519 verifications of one relay token, reporting CPU microseconds
 * per verification (this thread's CPU time, so other processes on a shared machine do not inflate
 * it) for {@link TokenVerifier#verify(String)} (Bouncy Castle with the key decoded once, plus
 * parsing and claims), Tink's verifier alone, the JDK's {@code Ed25519} {@link Signature}, and
 * Bouncy Castle's rfc8032 verify with the key as bytes (decoded per call) and as a precomputed
 * point (what TokenVerifier does), all in one run. docs/perf/handshake.md has the command and
 * the figures.
 *
 * <pre>java -cp protocol/target/test-classes:protocol/target/classes:DEPENDENCIES
 *     io.lifeguard.protocol.token.VerifyBenchmark [verifications per round, 2000] [rounds, 5]</pre>
 */
public final class VerifyBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private VerifyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    if (n < 1 || n > 1_000_000 || rounds < 1 || rounds > 100) throw new IllegalArgumentException("n 1..1e6, rounds 1..100");
    OctetKeyPair key = Ed25519Keys.generate("bench");
    Instant now = Instant.now();
    String token = new TokenSigner(key).sign(new TokenClaims("s-1", Role.HOST, now, now.plusSeconds(240), "c", 0, "j"));
    TokenVerifier verifier = new TokenVerifier(KeySet.of(key), Clock.systemUTC());
    byte[] input = token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
    byte[] signature = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
    byte[] publicKey = key.getDecodedX();
    Ed25519Verify tink = new Ed25519Verify(publicKey);
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + publicKey.length];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(publicKey, 0, spki, ED25519_SPKI_PREFIX.length, publicKey.length);
    PublicKey jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    Signature jdk = Signature.getInstance("Ed25519");
    Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(publicKey, 0);
    for (int round = 1; round <= rounds; round++) {
      long t0 = cpu();
      for (int i = 0; i < n; i++) verifier.verify(token);
      long t1 = cpu();
      for (int i = 0; i < n; i++) tink.verify(signature, input);
      long t2 = cpu();
      for (int i = 0; i < n; i++) {
        jdk.initVerify(jdkKey);
        jdk.update(input);
        if (!jdk.verify(signature)) throw new AssertionError("JDK rejected a valid signature");
      }
      long t3 = cpu();
      for (int i = 0; i < n; i++) {
        if (!Ed25519.verify(signature, 0, publicKey, 0, input, 0, input.length)) {
          throw new AssertionError("Bouncy Castle rejected a valid signature");
        }
      }
      long t4 = cpu();
      for (int i = 0; i < n; i++) {
        if (!Ed25519.verify(signature, 0, point, input, 0, input.length)) {
          throw new AssertionError("Bouncy Castle rejected a valid signature");
        }
      }
      long t5 = cpu();
      System.out.printf("round %d of %d, %d verifications each, CPU us per verification: TokenVerifier.verify %.1f,"
              + " Tink Ed25519Verify %.1f, JDK Signature(Ed25519) %.1f, Bouncy Castle key bytes %.1f,"
              + " Bouncy Castle precomputed point %.1f%n",
          round, rounds, n, (t1 - t0) / 1e3 / n, (t2 - t1) / 1e3 / n, (t3 - t2) / 1e3 / n, (t4 - t3) / 1e3 / n,
          (t5 - t4) / 1e3 / n);
    }
  }

  private static long cpu() {
    return THREADS.getCurrentThreadCpuTime();
  }
}
