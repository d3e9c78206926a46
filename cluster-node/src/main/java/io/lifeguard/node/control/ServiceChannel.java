package io.lifeguard.node.control;

import io.lifeguard.control.ControlMetrics.Outcome;
import io.lifeguard.node.http.Json;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The listener a service call arrived on, and what that listener demands beyond the bearer
 * credential. The plain HTTP port may refuse service calls outright so that a deployment forces
 * them through mutual TLS; the mTLS port may require the client certificate to name the caller.
 */
sealed interface ServiceChannel {
  /** Checked before credentials are read: a refusal, or empty to go on. */
  Optional<Refusal> admit(HttpRequest request);

  /** Checked once the bearer credential named {@code callerId}: a refusal, or empty to go on. */
  Optional<Refusal> bind(HttpRequest request, String callerId);

  /** An answer instead of the endpoint's own, with the outcome the token API counts it under. */
  record Refusal(Outcome outcome, HttpResponse response) {}

  /** The node's plain HTTP port. */
  record Plain(boolean mutualTlsRequired) implements ServiceChannel {
    @Override
    public Optional<Refusal> admit(HttpRequest request) {
      if (!mutualTlsRequired) return Optional.empty();
      // Refused before the bearer is checked: the answer must not tell a probe whether a secret is valid.
      return Optional.of(new Refusal(Outcome.MTLS_REQUIRED, Json.error(StatusCodes.FORBIDDEN, "mtls_required",
          "service calls must use the mutual-TLS listener (lifeguard.control.mtls); this port refuses them")));
    }

    @Override
    public Optional<Refusal> bind(HttpRequest request, String callerId) {
      return Optional.empty();
    }
  }

  /** The HTTPS listener; the handshake already demanded a trusted client certificate. */
  record MutualTls(boolean bindSubject) implements ServiceChannel {
    @Override
    public Optional<Refusal> admit(HttpRequest request) {
      return Optional.empty();
    }

    @Override
    public Optional<Refusal> bind(HttpRequest request, String callerId) {
      if (!bindSubject) return Optional.empty();
      var certificate = ClientCertificates.of(request);
      if (certificate.isEmpty()) return Optional.of(mismatch("no client certificate on this connection"));
      if (ClientCertificates.names(certificate.get()).contains(callerId)) return Optional.empty();
      org.slf4j.LoggerFactory.getLogger(ServiceChannel.class).warn(
          "client certificate does not name the caller: caller={} subject={}", callerId,
          ClientCertificates.subject(certificate.get()));
      return Optional.of(mismatch("the client certificate's subject CN or DNS name must equal the credential id '"
          + callerId + "'"));
    }

    private static Refusal mismatch(String message) {
      return new Refusal(Outcome.CERTIFICATE_MISMATCH, Json.error(StatusCodes.FORBIDDEN, "certificate_mismatch", message));
    }
  }
}
