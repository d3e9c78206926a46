package io.lifeguard.node.edge;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One WebSocket endpoint on the edge port. The relay, the bridge and the host bus each provide
 * one; the edge asks them in order and the first whose {@link #matches} is true answers.
 */
public interface EdgeRoute {
  /** True when this route serves the path. */
  boolean matches(List<String> segments);

  /**
   * Decides the request: checks run before the upgrade (limits, tokens) so a refusal is a plain
   * HTTP status. Called on the connection's I/O thread: never block; answer later through the stage.
   */
  CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request);
}
