package io.lifeguard.node.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.logstash.logback.composite.AbstractJsonProvider;

/**
 * The one thing logstash-logback-encoder does not do for Lifeguard's JSON lines (logback.xml): a
 * message written as {@code event=name key=value ...} (the control plane's {@code
 * guardrail_soft_breach} and {@code kill_switch} lines, from a module without this encoder) has its
 * pairs written as top-level fields, so Loki and alert routing match on {@code "event"}. MDC
 * entries and the base fields win on a clash; values pass through the encoder's masking like any
 * other.
 */
public final class EventFieldsProvider extends AbstractJsonProvider<ILoggingEvent> {
  private static final Pattern EVENT_PAIR = Pattern.compile("([a-z][a-z0-9_]*)=(\\S+)");
  /** Written by the other providers of logback.xml's JSON encoder. */
  static final Set<String> BASE_FIELDS = Set.of("timestamp", "level", "node", "logger", "thread", "message", "error");

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    Map<String, String> mdc = event.getMDCPropertyMap();
    for (Map.Entry<String, String> field : eventFields(event.getFormattedMessage()).entrySet()) {
      if (BASE_FIELDS.contains(field.getKey()) || mdc.containsKey(field.getKey())) continue;
      generator.writeStringField(field.getKey(), field.getValue());
    }
  }

  /** The {@code key=value} pairs of a message that starts with {@code event=}; empty otherwise. */
  static Map<String, String> eventFields(String message) {
    if (message == null || !message.startsWith("event=")) return Map.of();
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m = EVENT_PAIR.matcher(message);
    while (m.find()) fields.putIfAbsent(m.group(1), m.group(2));
    return fields;
  }
}
