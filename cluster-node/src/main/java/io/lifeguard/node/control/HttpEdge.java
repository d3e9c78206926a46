package io.lifeguard.node.control;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lifeguard.control.auth.BearerCredentials;
import io.lifeguard.node.http.Json;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;

/**
 * What the control routes share: bearer authentication, bounded JSON bodies and the structured
 * error answers ({@code {"error": code, "message": text}}) for 401, 405 and 413.
 */
final class HttpEdge {
  private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(5);

  private HttpEdge() {}

  /** A request body after reading: parsed, absent, too large, or not JSON. */
  sealed interface Body {
    record Parsed(JsonNode json) implements Body {}

    record Empty() implements Body {}

    record TooLarge() implements Body {}

    record Malformed(String message) implements Body {}
  }

  /** The credential id, or empty when the header is missing or wrong. */
  static Optional<String> authenticate(HttpRequest request, BearerCredentials credentials) {
    return request.getHeader("Authorization").flatMap(h -> credentials.authenticateHeader(h.value()));
  }

  static HttpResponse unauthorized(String realm) {
    return Json.error(StatusCodes.UNAUTHORIZED, "unauthorized", "missing or invalid bearer credential")
        .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"" + realm + "\""));
  }

  static HttpResponse methodNotAllowed(String allow) {
    return Json.error(StatusCodes.METHOD_NOT_ALLOWED, "method_not_allowed", "use " + allow)
        .addHeader(RawHeader.create("Allow", allow));
  }

  static HttpResponse tooLarge() {
    return Json.error(StatusCodes.CONTENT_TOO_LARGE, "payload_too_large",
        "request body exceeds " + ControlConfig.MAX_REQUEST_BYTES + " bytes");
  }

  static HttpResponse badRequest(String code, String message) {
    return Json.error(StatusCodes.BAD_REQUEST, code, message);
  }

  /** Reads at most {@link ControlConfig#MAX_REQUEST_BYTES}; a declared larger length is refused unread. */
  static CompletionStage<Body> readJson(HttpRequest request, Materializer materializer) {
    var entity = request.entity();
    if (entity.getContentLengthOption().isPresent()
        && entity.getContentLengthOption().getAsLong() > ControlConfig.MAX_REQUEST_BYTES) {
      entity.discardBytes(materializer);
      return CompletableFuture.completedFuture(new Body.TooLarge());
    }
    return entity.withSizeLimit(ControlConfig.MAX_REQUEST_BYTES).toStrict(BODY_TIMEOUT.toMillis(), materializer)
        .<Body>thenApply(strict -> {
          byte[] bytes = strict.getData().toArray();
          if (bytes.length == 0) return new Body.Empty();
          try {
            return new Body.Parsed(READER.readTree(bytes));
          } catch (java.io.IOException e) {
            return new Body.Malformed("body is not valid JSON");
          }
        })
        .exceptionally(failure -> {
          for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof EntityStreamSizeException) return new Body.TooLarge();
          }
          org.slf4j.LoggerFactory.getLogger(HttpEdge.class).warn("request body could not be read: {}", failure.toString());
          return new Body.Malformed("body could not be read");
        });
  }

  /** A required string field; null when absent, so the caller can name it. */
  static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) throw new FieldError(field + " is required");
    if (!node.isTextual()) throw new FieldError(field + " must be a string");
    return node.textValue();
  }

  static String optionalText(JsonNode json, String field, int maxLength) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) throw new FieldError(field + " must be a string");
    if (node.textValue().length() > maxLength) throw new FieldError(field + " is longer than " + maxLength);
    return node.textValue();
  }

  static boolean bool(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) throw new FieldError(field + " is required");
    if (!node.isBoolean()) throw new FieldError(field + " must be true or false");
    return node.booleanValue();
  }

  /** A missing or wrongly typed field (400 bad_request). */
  static final class FieldError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FieldError(String message) {
      super(message, null, false, false);
    }
  }
}
