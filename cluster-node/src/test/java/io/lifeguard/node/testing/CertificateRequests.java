package io.lifeguard.node.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;

/**
 * PKCS#10 certificate signing requests for an EC P-256 key, DER-encoded by hand: the JDK can sign
 * but has no public API for a request, and making one in Java saves two keytool processes per
 * certificate ({@code -genkeypair} and {@code -certreq}), the bulk of a TLS test's set-up time.
 */
final class CertificateRequests {
  private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};
  private static final byte[] ECDSA_WITH_SHA256 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02};

  private CertificateRequests() {}

  /** A PEM request for subject {@code CN=commonName}, signed with the key pair's private key. */
  static String pem(KeyPair keys, String commonName) throws GeneralSecurityException {
    byte[] subject = der(0x30, der(0x31, der(0x30, COMMON_NAME, der(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
    byte[] info = der(0x30, der(0x02, new byte[] {0}), subject, keys.getPublic().getEncoded(), der(0xa0));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivate());
    signer.update(info);
    byte[] signature = signer.sign();
    byte[] bits = new byte[signature.length + 1]; // leading byte: no unused bits
    System.arraycopy(signature, 0, bits, 1, signature.length);
    byte[] request = der(0x30, info, der(0x30, ECDSA_WITH_SHA256), der(0x03, bits));
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(request)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  private static byte[] der(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) content.writeBytes(part);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.size();
    if (length < 0x80) {
      out.write(length);
    } else if (length < 0x100) {
      out.write(0x81);
      out.write(length);
    } else {
      out.write(0x82);
      out.write(length >> 8);
      out.write(length & 0xff);
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }
}
