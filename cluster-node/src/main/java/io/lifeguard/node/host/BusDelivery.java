package io.lifeguard.node.host;

import io.lifeguard.sharding.CborSerializable;

/**
 * One bus message on its way from a publisher to the subscribers of a host, possibly on other
 * nodes (it travels through a cluster-wide Pekko pub-sub topic per host, hence CBOR).
 *
 * @param publisher connection id of the sender, so it does not hear its own messages
 * @param fromRole wire name of the sender's role
 * @param payload JSON text
 * @param actionId set for {@code manager/action} and {@code manager/ack}, else null
 * @param epoch the action's fencing epoch (0 when not an action)
 * @param redelivered true when a pending action is sent again to a (re)attached host
 */
public record BusDelivery(String namespace, String topic, String publisher, String fromRole, String payload,
    String actionId, long epoch, boolean redelivered) implements CborSerializable {}
