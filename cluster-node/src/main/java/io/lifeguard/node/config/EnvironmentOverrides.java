package io.lifeguard.node.config;

import java.util.Map;

/** The documented environment variables and the configuration keys they override. */
public final class EnvironmentOverrides {
  private EnvironmentOverrides() {}

  /** Configuration key to environment variable, as in application.conf. */
  public static final Map<String, String> KEYS =
      Map.ofEntries(
          Map.entry("lifeguard.production", "LIFEGUARD_PRODUCTION"),
          Map.entry("lifeguard.node-name", "LIFEGUARD_NODE_NAME"),
          Map.entry("lifeguard.data-dir", "LIFEGUARD_DATA_DIR"),
          Map.entry("lifeguard.ask-timeout", "LIFEGUARD_ASK_TIMEOUT"),
          Map.entry("lifeguard.http.host", "LIFEGUARD_HTTP_HOST"),
          Map.entry("lifeguard.http.port", "LIFEGUARD_HTTP_PORT"),
          Map.entry("lifeguard.http.idle-timeout", "LIFEGUARD_HTTP_IDLE_TIMEOUT"),
          Map.entry("lifeguard.redis.url", "LIFEGUARD_REDIS_URL"),
          Map.entry("lifeguard.redis.command-timeout", "LIFEGUARD_REDIS_COMMAND_TIMEOUT"),
          Map.entry("lifeguard.jdbc.url", "LIFEGUARD_JDBC_URL"),
          Map.entry("lifeguard.jdbc.user", "LIFEGUARD_JDBC_USER"),
          Map.entry("lifeguard.jdbc.password", "LIFEGUARD_JDBC_PASSWORD"),
          Map.entry("lifeguard.cluster.host", "LIFEGUARD_CLUSTER_HOST"),
          Map.entry("lifeguard.cluster.port", "LIFEGUARD_CLUSTER_PORT"),
          Map.entry("lifeguard.cluster.seed-nodes", "LIFEGUARD_SEED_NODES"),
          Map.entry("lifeguard.cluster.roles", "LIFEGUARD_ROLES"),
          Map.entry("lifeguard.cluster.bootstrap", "LIFEGUARD_CLUSTER_BOOTSTRAP"),
          Map.entry("lifeguard.admin.node-timeout", "LIFEGUARD_ADMIN_NODE_TIMEOUT"),
          Map.entry("lifeguard.relay.hello-timeout", "LIFEGUARD_RELAY_HELLO_TIMEOUT"),
          Map.entry("lifeguard.relay.heartbeat-interval", "LIFEGUARD_RELAY_HEARTBEAT_INTERVAL"),
          Map.entry("lifeguard.relay.idle-timeout", "LIFEGUARD_RELAY_IDLE_TIMEOUT"),
          Map.entry("lifeguard.relay.outbound-queue-depth", "LIFEGUARD_RELAY_QUEUE_DEPTH"),
          Map.entry("lifeguard.relay.max-frame-bytes", "LIFEGUARD_RELAY_MAX_FRAME_BYTES"),
          Map.entry("lifeguard.relay.max-peers-per-session", "LIFEGUARD_RELAY_MAX_PEERS"),
          Map.entry("lifeguard.relay.max-connections", "LIFEGUARD_RELAY_MAX_CONNECTIONS"),
          Map.entry("lifeguard.relay.handshakes-per-second-per-address", "LIFEGUARD_RELAY_HANDSHAKE_RATE"),
          Map.entry("lifeguard.relay.handshake-burst-per-address", "LIFEGUARD_RELAY_HANDSHAKE_BURST"),
          Map.entry("lifeguard.bridge.max-message-size", "LIFEGUARD_BRIDGE_MAX_MESSAGE_SIZE"),
          Map.entry("lifeguard.bridge.send-buffer-size", "LIFEGUARD_BRIDGE_SEND_BUFFER_SIZE"),
          Map.entry("lifeguard.bridge.idle-timeout", "LIFEGUARD_BRIDGE_IDLE_TIMEOUT"),
          Map.entry("lifeguard.bridge.handshake-timeout", "LIFEGUARD_BRIDGE_HANDSHAKE_TIMEOUT"),
          Map.entry("lifeguard.bridge.publish-timeout", "LIFEGUARD_BRIDGE_PUBLISH_TIMEOUT"),
          Map.entry("lifeguard.bridge.max-connections", "LIFEGUARD_BRIDGE_MAX_CONNECTIONS"),
          Map.entry("lifeguard.bridge.connections-per-second", "LIFEGUARD_BRIDGE_CONNECTIONS_PER_SECOND"),
          Map.entry("lifeguard.bridge.connection-burst", "LIFEGUARD_BRIDGE_CONNECTION_BURST"),
          Map.entry("lifeguard.bridge.shutdown-timeout", "LIFEGUARD_BRIDGE_SHUTDOWN_TIMEOUT"),
          Map.entry("lifeguard.bridge.close-timeout", "LIFEGUARD_BRIDGE_CLOSE_TIMEOUT"),
          Map.entry("lifeguard.manager.capacity", "LIFEGUARD_MANAGER_CAPACITY"),
          Map.entry("lifeguard.manager.rebalance-batch", "LIFEGUARD_MANAGER_REBALANCE_BATCH"),
          Map.entry("lifeguard.manager.max-inflight-actions", "LIFEGUARD_MANAGER_MAX_INFLIGHT_ACTIONS"),
          Map.entry("lifeguard.manager.max-lease-ttl", "LIFEGUARD_MANAGER_MAX_LEASE_TTL"),
          Map.entry("lifeguard.manager.snapshot-every", "LIFEGUARD_MANAGER_SNAPSHOT_EVERY"),
          Map.entry("lifeguard.manager.remembered-acks", "LIFEGUARD_MANAGER_REMEMBERED_ACKS"),
          Map.entry("lifeguard.manager.jwks", "LIFEGUARD_MANAGER_JWKS"),
          Map.entry("lifeguard.manager.token-clock-skew", "LIFEGUARD_MANAGER_TOKEN_CLOCK_SKEW"),
          Map.entry("lifeguard.manager.bus.max-frame-chars", "LIFEGUARD_MANAGER_BUS_MAX_FRAME_CHARS"),
          Map.entry("lifeguard.manager.bus.outbound-buffer", "LIFEGUARD_MANAGER_BUS_OUTBOUND_BUFFER"),
          Map.entry("lifeguard.shutdown.hard-deadline", "LIFEGUARD_SHUTDOWN_DEADLINE"),
          Map.entry("lifeguard.tokens.signing-jwk", "LIFEGUARD_SIGNING_JWK"),
          Map.entry("lifeguard.tokens.signing-jwk-file", "LIFEGUARD_SIGNING_JWK_FILE"),
          Map.entry("lifeguard.tokens.additional-jwks", "LIFEGUARD_ADDITIONAL_JWKS"),
          Map.entry("lifeguard.tokens.ttl", "LIFEGUARD_TOKEN_TTL"),
          Map.entry("lifeguard.control.service-tokens", "LIFEGUARD_SERVICE_TOKENS"),
          Map.entry("lifeguard.control.admin-tokens", "LIFEGUARD_ADMIN_TOKENS"),
          Map.entry("lifeguard.control.require-entitlement", "LIFEGUARD_REQUIRE_ENTITLEMENT"),
          Map.entry("lifeguard.control.dev-enable-fallback", "LIFEGUARD_DEV_ENABLE_FALLBACK"),
          Map.entry("lifeguard.control.fallback-paused", "LIFEGUARD_FALLBACK_PAUSED"),
          Map.entry("lifeguard.control.entitlement.jwks-url", "LIFEGUARD_ENTITLEMENT_JWKS_URL"),
          Map.entry("lifeguard.control.entitlement.issuer", "LIFEGUARD_ENTITLEMENT_ISSUER"),
          Map.entry("lifeguard.control.entitlement.audience", "LIFEGUARD_ENTITLEMENT_AUDIENCE"),
          Map.entry("lifeguard.control.mtls.enabled", "LIFEGUARD_MTLS_ENABLED"),
          Map.entry("lifeguard.control.mtls.host", "LIFEGUARD_MTLS_HOST"),
          Map.entry("lifeguard.control.mtls.port", "LIFEGUARD_MTLS_PORT"),
          Map.entry("lifeguard.control.mtls.key-store", "LIFEGUARD_MTLS_KEY_STORE"),
          Map.entry("lifeguard.control.mtls.key-store-password", "LIFEGUARD_MTLS_KEY_STORE_PASSWORD"),
          Map.entry("lifeguard.control.mtls.trust-store", "LIFEGUARD_MTLS_TRUST_STORE"),
          Map.entry("lifeguard.control.mtls.trust-store-password", "LIFEGUARD_MTLS_TRUST_STORE_PASSWORD"),
          Map.entry("lifeguard.control.mtls.require-on-plain-port", "LIFEGUARD_MTLS_REQUIRE_ON_PLAIN_PORT"),
          Map.entry("lifeguard.control.mtls.bind-subject", "LIFEGUARD_MTLS_BIND_SUBJECT"),
          Map.entry("lifeguard.control.guardrail.threshold", "LIFEGUARD_GUARDRAIL_THRESHOLD"),
          Map.entry("lifeguard.control.guardrail.min-sessions", "LIFEGUARD_GUARDRAIL_MIN_SESSIONS"),
          Map.entry("pekko.loglevel", "LOG_LEVEL"));

  /** The environment variable for a key, or null when it has none. */
  public static String envFor(String key) {
    return KEYS.get(key);
  }
}
