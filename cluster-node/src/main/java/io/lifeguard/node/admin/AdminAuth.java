package io.lifeguard.node.admin;

import io.lifeguard.control.auth.BearerCredentials;
import io.lifeguard.node.http.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.directives.SecurityDirectives.ProvidedCredentials;

/**
 * The operators' credentials ({@code lifeguard.control.admin-tokens}) for the cluster admin API
 * (Bearer) and for Pekko Management (HTTP Basic: user = credential id, password = its secret).
 */
final class AdminAuth {
  static final String REALM = "lifeguard-admin";

  private final BearerCredentials bearer;
  private final Map<String, String> secretsById;

  private AdminAuth(BearerCredentials bearer, Map<String, String> secretsById) {
    this.bearer = bearer;
    this.secretsById = secretsById;
  }

  /**
   * Pairs each configured entry with the id the control plane gave it; Basic auth needs the secret
   * itself because pekko-http's javadsl credentials can only be compared with a known secret.
   */
  static AdminAuth create(BearerCredentials bearer, List<String> entries) {
    Map<String, String> secrets = new java.util.HashMap<>();
    List<String> ids = bearer.ids();
    int position = 0;
    for (String raw : entries) {
      String entry = raw.strip();
      if (entry.isEmpty()) continue;
      String id = ids.get(position++);
      secrets.put(id, entry.startsWith(id + ":") ? entry.substring(id.length() + 1) : entry);
    }
    return new AdminAuth(bearer, Map.copyOf(secrets));
  }

  boolean configured() {
    return !bearer.isEmpty();
  }

  /** The admin credential id of a request, or empty when missing or wrong. */
  Optional<String> authenticate(HttpRequest request) {
    return request.getHeader("Authorization").flatMap(h -> bearer.authenticateHeader(h.value()));
  }

  static HttpResponse unauthorized() {
    return Json.error(StatusCodes.UNAUTHORIZED, "unauthorized", "missing or invalid admin bearer credential")
        .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"" + REALM + "\""));
  }

  /** Pekko Management's authenticator: the credential id when user and password match. */
  CompletionStage<Optional<String>> basic(Optional<ProvidedCredentials> provided) {
    return CompletableFuture.completedFuture(provided
        .filter(c -> secretsById.containsKey(c.identifier()) && c.verify(secretsById.get(c.identifier())))
        .map(ProvidedCredentials::identifier));
  }
}
