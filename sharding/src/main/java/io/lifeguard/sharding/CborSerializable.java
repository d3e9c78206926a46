package io.lifeguard.sharding;

/**
 * Marker for every message and persisted event that may cross a node boundary or reach the journal.
 *
 * <p>Bound to Pekko's Jackson CBOR serializer in this module's {@code reference.conf}. Pekko ships a
 * marker of its own only in test jars, so the project declares one; Java serialization stays off.
 */
public interface CborSerializable {}
