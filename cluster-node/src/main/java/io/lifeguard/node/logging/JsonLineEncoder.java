package io.lifeguard.node.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One JSON object a line: {@code timestamp, level, node, logger, thread, message}, then every MDC
 * field (event, session_id, peer_id, host_session_id, agent_id, phase, reason, ...) at the top
 * level, then the exception if any. Hand-written so a log line costs no reflection and no extra
 * dependency.
 *
 * <p>Structured events: an {@code event} MDC entry becomes the {@code "event"} field. A message
 * written as {@code event=name key=value ...} (the style of the control plane's
 * {@code guardrail_soft_breach}) is lifted the same way: its {@code key=value} pairs become fields,
 * MDC entries winning on a clash, so Loki and PagerDuty routing can match on {@code event}.
 *
 * <p>Last line of defence, not the policy: callers never log tokens, keys or payloads, but a
 * compact JWS ({@code eyJ...}) or a private JWK member ({@code "d":"..."}) that slips into a message
 * or exception is replaced by {@code [redacted]} before the line is written.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
  private static final Pattern EVENT_PAIR = Pattern.compile("([a-z][a-z0-9_]*)=(\\S+)");
  private static final Pattern COMPACT_JWS =
      Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");
  private static final Pattern PRIVATE_JWK_MEMBER =
      Pattern.compile("(\"(?:d|p|q|dp|dq|qi|k)\"\\s*:\\s*\")[^\"]*(\")");
  static final String REDACTED = "[redacted]";

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder out = new StringBuilder(256);
    out.append('{');
    field(out, "timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    out.append(',');
    field(out, "level", event.getLevel().toString());
    Map<String, String> mdc = event.getMDCPropertyMap();
    String node = mdc.get("node");
    if (node == null && event.getLoggerContextVO() != null) {
      node = event.getLoggerContextVO().getPropertyMap().get("node");
    }
    if (node != null) {
      out.append(',');
      field(out, "node", node);
    }
    out.append(',');
    field(out, "logger", event.getLoggerName());
    out.append(',');
    field(out, "thread", event.getThreadName());
    String message = redact(event.getFormattedMessage());
    out.append(',');
    field(out, "message", message);
    Map<String, String> fields = new LinkedHashMap<>(eventFields(message));
    for (Map.Entry<String, String> e : mdc.entrySet()) {
      if (e.getKey().equals("node") || e.getKey().startsWith("pekko") || e.getKey().startsWith("sourceActor")) continue;
      fields.put(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : fields.entrySet()) {
      if (isReserved(e.getKey())) continue;
      out.append(',');
      field(out, e.getKey(), redact(e.getValue()));
    }
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      out.append(',');
      field(out, "error", redact(ThrowableProxyUtil.asString(error)));
    }
    out.append("}\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  /** The {@code key=value} pairs of a message that starts with {@code event=}; empty otherwise. */
  static Map<String, String> eventFields(String message) {
    if (message == null || !message.startsWith("event=")) return Map.of();
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m = EVENT_PAIR.matcher(message);
    while (m.find()) fields.putIfAbsent(m.group(1), m.group(2));
    return fields;
  }

  static String redact(String s) {
    if (s == null) return null;
    String out = s;
    if (out.contains("eyJ")) out = COMPACT_JWS.matcher(out).replaceAll(REDACTED);
    if (out.contains("\"")) out = PRIVATE_JWK_MEMBER.matcher(out).replaceAll("$1" + REDACTED + "$2");
    return out;
  }

  private static boolean isReserved(String key) {
    return switch (key) {
      case "timestamp", "level", "node", "logger", "thread", "message", "error" -> true;
      default -> false;
    };
  }

  private static void field(StringBuilder out, String name, String value) {
    quote(out, name);
    out.append(':');
    quote(out, value == null ? "" : value);
  }

  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append('"');
  }
}
