package io.lifeguard.sharding.assignment;

import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * One shard per entity: the shard id is the entity id. Shard allocation strategies only ever see
 * shard ids, so this is what lets {@link RendezvousAllocationStrategy} place each host on its own.
 */
public final class EntityIdShardExtractor<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
  @Override
  public String entityId(ShardingEnvelope<M> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    return entityId;
  }

  @Override
  public M unwrapMessage(ShardingEnvelope<M> envelope) {
    return envelope.message();
  }
}
