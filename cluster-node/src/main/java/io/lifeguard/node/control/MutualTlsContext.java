package io.lifeguard.node.control;

import io.lifeguard.node.config.InvalidSettingException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens the PKCS#12 stores named in {@link MutualTlsSettings} and builds the server's
 * {@link SSLContext}: the node's certificate and key from the key store, the CAs of calling
 * services from the trust store. Every failure names the setting to fix, so a wrong password or
 * path stops start-up with exit code 2 instead of failing the first handshake.
 */
public final class MutualTlsContext {
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private MutualTlsContext() {}

  public static SSLContext load(MutualTlsSettings settings) {
    KeyStore keys = open(settings.keyStore(), settings.keyStorePassword(),
        MutualTlsSettings.KEY_STORE, MutualTlsSettings.KEY_STORE_PASSWORD);
    KeyStore trusted = open(settings.trustStore(), settings.trustStorePassword(),
        MutualTlsSettings.TRUST_STORE, MutualTlsSettings.TRUST_STORE_PASSWORD);
    try {
      if (!hasEntry(keys, true)) {
        throw new InvalidSettingException(MutualTlsSettings.KEY_STORE,
            settings.keyStore() + " holds no private key with its certificate");
      }
      if (!hasEntry(trusted, false)) {
        throw new InvalidSettingException(MutualTlsSettings.TRUST_STORE, settings.trustStore()
            + " holds no trusted certificate (import the CA that signs the calling services' certificates"
            + (settings.trustStorePassword().isEmpty() ? "; or set " + MutualTlsSettings.TRUST_STORE_PASSWORD
                + " if the store's certificates are encrypted)" : ")"));
      }
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
      try {
        keyManagers.init(keys, settings.keyStorePassword().toCharArray());
      } catch (UnrecoverableKeyException e) {
        throw new InvalidSettingException(MutualTlsSettings.KEY_STORE_PASSWORD,
            "does not unlock the private key in " + settings.keyStore() + " (PKCS#12 keys use the store password)");
      }
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new InvalidSettingException(MutualTlsSettings.KEY_STORE, "cannot build the TLS context: " + e.getMessage());
    }
  }

  /** A server engine that refuses any handshake without a client certificate its trust store accepts. */
  public static SSLEngine serverEngine(SSLContext context) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  private static KeyStore open(Path path, String password, String pathKey, String passwordKey) {
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new InvalidSettingException(pathKey, "'" + path + "' is not a readable file");
    }
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password.isEmpty() ? null : password.toCharArray());
      return store;
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new InvalidSettingException(passwordKey, "does not open '" + path + "' (wrong password)");
      }
      throw new InvalidSettingException(pathKey, "'" + path + "' is not a PKCS#12 store: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new InvalidSettingException(pathKey, "'" + path + "' cannot be read: " + e.getMessage());
    }
  }

  private static boolean hasEntry(KeyStore store, boolean privateKey) throws GeneralSecurityException {
    for (String alias : Collections.list(store.aliases())) {
      if (privateKey ? store.isKeyEntry(alias) : store.isCertificateEntry(alias)) return true;
    }
    return false;
  }
}
