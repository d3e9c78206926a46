package io.lifeguard.node.host;

import io.lifeguard.protocol.Role;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * THE table of who may do what on a host's bus: the known namespaces and topics, and per role the
 * topics it may subscribe to, the topics it may publish with a plain {@code publish}, and the
 * control operations (lease, action, ack) it may use. Audit the bus here; nothing else grants.
 *
 * <p>{@code manager/action} and {@code manager/ack} are never published directly: they only leave
 * the host entity after an {@code action} (lease holder) or {@code ack} (host) was persisted, so a
 * subscriber can trust every action it sees carries a live epoch. Viewers and participants never
 * see or send a {@code manager} topic. Manager agents attach with their own {@code manager} role:
 * the same grants as a controller today, a separate row so logs, audits and a later split tell
 * them apart.
 */
public final class BusAcl {
  private BusAcl() {}

  /** A namespace and topic, e.g. {@code manager/action}. */
  public record BusTopic(String namespace, String topic) {
    @Override
    public String toString() {
      return namespace + "/" + topic;
    }
  }

  /** Operations beyond publish/subscribe, each backed by the persisted host entity. */
  public enum Control { LEASE, ACTION, ACK }

  /** What one role may do. */
  public record Grants(Set<BusTopic> subscribe, Set<BusTopic> publish, Set<Control> controls) {}

  public static final BusTopic MANAGER_ACTION = new BusTopic("manager", "action");
  public static final BusTopic MANAGER_ACK = new BusTopic("manager", "ack");
  public static final BusTopic MANAGER_STATE = new BusTopic("manager", "state");
  public static final BusTopic MANAGER_HEALTH = new BusTopic("manager", "health");
  /** The host's public status (presence, title): everyone attached may read it. */
  public static final BusTopic HOST_STATUS = new BusTopic("host", "status");
  /** Context a controller hands the host's harness (URLs, attach hints); the host alone reads it. */
  public static final BusTopic HOST_CONFIG = new BusTopic("host", "config");

  /** Every topic the bus knows, by namespace. Anything else is an error frame and a warning. */
  public static final Map<String, Set<String>> KNOWN = Map.of(
      "manager", Set.of("action", "ack", "state", "health"),
      "host", Set.of("status", "config"));

  private static final Map<Role, Grants> GRANTS = new EnumMap<>(Role.class);

  static {
    GRANTS.put(Role.HOST, new Grants(
        Set.of(MANAGER_ACTION, HOST_CONFIG, HOST_STATUS),
        Set.of(MANAGER_STATE, MANAGER_HEALTH, HOST_STATUS),
        Set.of(Control.ACK)));
    GRANTS.put(Role.CONTROLLER, new Grants(
        Set.of(MANAGER_ACTION, MANAGER_ACK, MANAGER_STATE, MANAGER_HEALTH, HOST_STATUS),
        Set.of(HOST_CONFIG),
        Set.of(Control.LEASE, Control.ACTION)));
    GRANTS.put(Role.MANAGER, new Grants(
        Set.of(MANAGER_ACTION, MANAGER_ACK, MANAGER_STATE, MANAGER_HEALTH, HOST_STATUS),
        Set.of(HOST_CONFIG),
        Set.of(Control.LEASE, Control.ACTION)));
    GRANTS.put(Role.PARTICIPANT, new Grants(Set.of(HOST_STATUS), Set.of(), Set.of()));
    GRANTS.put(Role.VIEWER, new Grants(Set.of(HOST_STATUS), Set.of(), Set.of()));
  }

  /** Why a namespace/topic pair is not a known topic, or empty when it is. */
  public static Optional<String> unknown(String namespace, String topic) {
    Set<String> topics = KNOWN.get(namespace);
    if (topics == null) return Optional.of("unknown_namespace");
    if (!topics.contains(topic)) return Optional.of("unknown_topic");
    return Optional.empty();
  }

  public static Grants grants(Role role) {
    return GRANTS.get(role);
  }

  public static boolean maySubscribe(Role role, BusTopic topic) {
    return GRANTS.get(role).subscribe().contains(topic);
  }

  public static boolean mayPublish(Role role, BusTopic topic) {
    return GRANTS.get(role).publish().contains(topic);
  }

  public static boolean may(Role role, Control control) {
    return GRANTS.get(role).controls().contains(control);
  }

  /** The whole table, role by role, for docs and {@code /debug}. */
  public static Map<String, Grants> table() {
    Map<String, Grants> out = new LinkedHashMap<>();
    for (Role role : Role.values()) out.put(role.wireName(), GRANTS.get(role));
    return out;
  }
}
