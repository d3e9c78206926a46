package io.lifeguard.node.control;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * The identity a calling service proves with its TLS client certificate: the subject's common
 * names and the certificate's DNS subject-alternative names. The handshake has already checked the
 * chain against the trust store; this only reads names.
 */
final class ClientCertificates {
  private static final int SAN_DNS_NAME = 2;

  private ClientCertificates() {}

  /**
   * The verified client certificate of the request's connection; empty on a plain connection or
   * when the listener does not attach the TLS session to requests.
   */
  static Optional<X509Certificate> of(HttpRequest request) {
    return request.getAttribute(AttributeKeys.sslSession).flatMap(info -> leaf(info.getSession()));
  }

  private static Optional<X509Certificate> leaf(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  /** Subject CNs then DNS SANs, in certificate order, without duplicates. */
  static Set<String> names(X509Certificate certificate) {
    Set<String> names = new LinkedHashSet<>();
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if ("CN".equalsIgnoreCase(rdn.getType())) names.add(rdn.getValue().toString());
      }
    } catch (InvalidNameException e) {
      // An unparsable subject proves no name; SANs may still.
    }
    try {
      var alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> entry : alternatives) {
          if (entry.size() == 2 && Integer.valueOf(SAN_DNS_NAME).equals(entry.get(0))) names.add(entry.get(1).toString());
        }
      }
    } catch (CertificateParsingException e) {
      // A malformed SAN extension proves nothing; the CN may still.
    }
    return names;
  }

  /** The subject for logs and error messages. */
  static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }
}
