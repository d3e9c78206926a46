package io.lifeguard.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** JSON bodies for routes: one shared mapper, and responses with the right content type. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  public static HttpResponse response(StatusCode status, Object body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, write(body)));
  }

  public static HttpResponse ok(Object body) {
    return response(StatusCodes.OK, body);
  }

  /** The structured error body every endpoint uses: {@code {"error": code, "message": text}}. */
  public static HttpResponse error(StatusCode status, String code, String message) {
    return response(status, java.util.Map.of("error", code, "message", message));
  }
}
