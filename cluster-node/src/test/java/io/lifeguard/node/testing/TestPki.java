package io.lifeguard.node.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority for TLS tests. The JDK has no public API to issue
 * certificates and the project adds no library for it, so the CA's key and the signing are the
 * JDK's own {@code keytool}; keys, requests and PKCS#12 stores are made in this JVM. Every store
 * uses {@link #PASSWORD}; keys are EC P-256 and certificates are valid for two days.
 */
public final class TestPki {
  public static final String PASSWORD = "test-pki-password";
  private static final Path KEYTOOL = Path.of(System.getProperty("java.home"), "bin", "keytool");

  private final Path dir;
  private final Path caStore;
  private final Certificate caCertificate;
  private final Path trustStore;

  private TestPki(Path dir, Path caStore, Certificate caCertificate, Path trustStore) {
    this.dir = dir;
    this.caStore = caStore;
    this.caCertificate = caCertificate;
    this.trustStore = trustStore;
  }

  /** A new CA with subject {@code CN=name}, its own folder, and a trust store holding its certificate. */
  public static TestPki authority(String name) {
    try {
      Path dir = Files.createTempDirectory("lifeguard-pki");
      Path caStore = dir.resolve("ca.p12");
      keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
          "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", caStore.toString(),
          "-storepass", PASSWORD);
      Certificate caCertificate = load(caStore).getCertificate("ca");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", caCertificate);
      Path trustStore = dir.resolve("trust.p12");
      save(trust, trustStore);
      return new TestPki(dir, caStore, caCertificate, trustStore);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The PKCS#12 trust store holding this CA's certificate. */
  public Path trustStore() {
    return trustStore;
  }

  /**
   * A PKCS#12 key store with a new key and its certificate for subject {@code CN=commonName},
   * signed by this CA, chain included. {@code subjectAlternativeNames} are keytool SAN entries such
   * as {@code dns:localhost} or {@code ip:127.0.0.1}.
   */
  public Path issue(String file, String commonName, String... subjectAlternativeNames) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = generator.generateKeyPair();
      Path request = dir.resolve(file + ".csr");
      Path signed = dir.resolve(file + ".pem");
      Files.writeString(request, CertificateRequests.pem(keys, commonName), StandardCharsets.US_ASCII);
      List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(),
          "-storepass", PASSWORD, "-infile", request.toString(), "-outfile", signed.toString(), "-validity", "2",
          "-ext", "ku:c=digitalSignature", "-ext", "eku=serverAuth,clientAuth"));
      if (subjectAlternativeNames.length > 0) sign.addAll(List.of("-ext", "SAN=" + String.join(",", subjectAlternativeNames)));
      keytool(sign.toArray(String[]::new));
      Certificate leaf;
      try (InputStream in = Files.newInputStream(signed)) {
        leaf = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("leaf", keys.getPrivate(), PASSWORD.toCharArray(), new Certificate[] {leaf, caCertificate});
      Path path = dir.resolve(file + ".p12");
      save(store, path);
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A client context that trusts this CA's server certificates and presents the key and
   * certificate of {@code clientStore}, or no certificate at all when it is null.
   */
  public SSLContext clientContext(Path clientStore) {
    try {
      KeyManagerFactory keys = null;
      if (clientStore != null) {
        keys = KeyManagerFactory.getInstance("PKIX");
        keys.init(load(clientStore), PASSWORD.toCharArray());
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
      trust.init(load(trustStore));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyStore load(Path path) throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void save(KeyStore store, Path path) throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(path)) {
      store.store(out, PASSWORD.toCharArray());
    }
  }

  private static void keytool(String... arguments) {
    List<String> command = new ArrayList<>(List.of(KEYTOOL.toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
    command.addAll(List.of(arguments));
    try {
      Processes.Result result = Processes.run(null, command);
      if (result.exitCode() != 0) {
        throw new AssertionError("keytool failed (" + result.exitCode() + "): " + command + "\n" + result.output());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
