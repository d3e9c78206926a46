package io.lifeguard.node.host;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lifeguard.node.http.Json;
import java.time.Duration;

/**
 * The bus's JSON envelope (see docs/manager.md): every frame is a JSON object with a {@code type}.
 * Client frames parse into {@link ClientFrame} records here; server frames are built by the
 * helpers at the bottom. Payloads are any JSON value and travel as JSON text inside the cluster.
 */
final class BusFrames {
  private BusFrames() {}

  /** A client frame that cannot be understood; {@code code} goes into the error frame. */
  static final class BadFrame extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;
    final String id;

    BadFrame(String code, String id, String message) {
      super(message, null, false, false);
      this.code = code;
      this.id = id;
    }
  }

  /** What a client may send. {@code id} is an optional correlation id echoed in the reply. */
  sealed interface ClientFrame {
    String id();
  }

  record Subscribe(String id, String namespace, String topic) implements ClientFrame {}

  record Unsubscribe(String id, String namespace, String topic) implements ClientFrame {}

  record Publish(String id, String namespace, String topic, String payload) implements ClientFrame {}

  record LeaseAcquire(String id, String holder, Duration ttl) implements ClientFrame {}

  record LeaseRenew(String id, String holder, long epoch, Duration ttl) implements ClientFrame {}

  record LeaseRelease(String id, String holder, long epoch) implements ClientFrame {}

  record Action(String id, String actionId, String holder, long epoch, String payload) implements ClientFrame {}

  record Ack(String id, String actionId, String payload) implements ClientFrame {}

  static ClientFrame parse(String text) throws BadFrame {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new BadFrame("bad_request", null, "frame is not JSON");
    }
    if (root == null || !root.isObject()) throw new BadFrame("bad_request", null, "frame is not a JSON object");
    String id = optionalText(root, "id", null);
    String type = optionalText(root, "type", id);
    if (type == null) throw new BadFrame("bad_request", id, "missing type");
    return switch (type) {
      case "subscribe" -> new Subscribe(id, text(root, "namespace", id), text(root, "topic", id));
      case "unsubscribe" -> new Unsubscribe(id, text(root, "namespace", id), text(root, "topic", id));
      case "publish" -> new Publish(id, text(root, "namespace", id), text(root, "topic", id), payload(root, id, true));
      case "lease_acquire" -> new LeaseAcquire(id, optionalText(root, "holder", id), ttl(root, id));
      case "lease_renew" -> new LeaseRenew(id, optionalText(root, "holder", id), number(root, "epoch", id), ttl(root, id));
      case "lease_release" -> new LeaseRelease(id, optionalText(root, "holder", id), number(root, "epoch", id));
      case "action" -> new Action(id, text(root, "action_id", id), optionalText(root, "holder", id),
          number(root, "epoch", id), payload(root, id, true));
      case "ack" -> new Ack(id, text(root, "action_id", id), payload(root, id, false));
      default -> throw new BadFrame("unknown_type", id, "unknown frame type");
    };
  }

  /** Longest {@code id} echoed from a frame that was not kept whole. */
  static final int MAX_ECHOED_ID = 256;

  /**
   * The top-level {@code id} of a frame known only by its first characters: a frame refused as
   * {@code frame_too_large} is not buffered past the limit, yet its error should carry the id the
   * client waits on. Reads the prefix as a stream and stops at the first sign of truncation;
   * null when the id is not a string, not within the prefix, or longer than {@link #MAX_ECHOED_ID}.
   */
  static String idOf(String prefix) {
    try (JsonParser parser = Json.MAPPER.getFactory().createParser(prefix)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) return null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("id".equals(name)) {
          return value == JsonToken.VALUE_STRING && parser.getTextLength() <= MAX_ECHOED_ID ? parser.getText() : null;
        }
        parser.skipChildren();
      }
      return null;
    } catch (java.io.IOException e) {
      return null; // the prefix ends before the id was seen
    }
  }

  private static String text(JsonNode root, String field, String id) throws BadFrame {
    String value = optionalText(root, field, id);
    if (value == null || value.isEmpty()) throw new BadFrame("bad_request", id, "missing " + field);
    return value;
  }

  private static String optionalText(JsonNode root, String field, String id) throws BadFrame {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) throw new BadFrame("bad_request", id, field + " must be a string");
    if (node.asText().length() > 128) throw new BadFrame("bad_request", id, field + " longer than 128 characters");
    return node.asText();
  }

  private static long number(JsonNode root, String field, String id) throws BadFrame {
    JsonNode node = root.get(field);
    if (node == null || !node.canConvertToLong() || !node.isIntegralNumber()) {
      throw new BadFrame("bad_request", id, field + " must be an integer");
    }
    return node.asLong();
  }

  private static Duration ttl(JsonNode root, String id) throws BadFrame {
    long ms = number(root, "ttl_ms", id);
    if (ms <= 0) throw new BadFrame("bad_request", id, "ttl_ms must be positive");
    return Duration.ofMillis(ms);
  }

  private static String payload(JsonNode root, String id, boolean required) throws BadFrame {
    JsonNode node = root.get("payload");
    if (node == null) {
      if (required) throw new BadFrame("bad_request", id, "missing payload");
      return "null";
    }
    return node.toString();
  }

  // ---- server frames ----

  static ObjectNode frame(String type, String id) {
    ObjectNode node = Json.MAPPER.createObjectNode().put("type", type);
    if (id != null) node.put("id", id);
    return node;
  }

  /**
   * How long a client waits before it sends a frame refused as {@code unavailable} again: about
   * one ask attempt, the time a moved host entity needs to answer on its new node once its shard
   * is routed there.
   */
  static final int UNAVAILABLE_RETRY_AFTER_MS = 1000;

  static String error(String id, String code, String message) {
    ObjectNode error = frame("error", id).put("code", code).put("message", message);
    // A hint the client can act on without a table of codes: this refusal is worth retrying.
    if ("unavailable".equals(code)) error.put("retry_after_ms", UNAVAILABLE_RETRY_AFTER_MS);
    return error.toString();
  }

  static String topicReply(String type, String id, String namespace, String topic) {
    return frame(type, id).put("namespace", namespace).put("topic", topic).toString();
  }

  /** A delivery to a subscriber; the payload is parsed back so it nests as JSON, not a string. */
  static String message(BusDelivery d) {
    ObjectNode node = frame("message", null).put("namespace", d.namespace()).put("topic", d.topic()).put("from", d.fromRole());
    node.set("payload", parsePayload(d.payload()));
    if (d.actionId() != null) {
      node.putObject("meta").put("action_id", d.actionId()).put("epoch", d.epoch()).put("redelivered", d.redelivered());
    }
    return node.toString();
  }

  static JsonNode parsePayload(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("payload stored as invalid JSON", e);
    }
  }
}
