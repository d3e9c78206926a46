package io.lifeguard.protocol.client;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Round-robin over the node URLs: every connection attempt takes the next one, so a client whose
 * node died tries another node first. Thread-safe. {@link #shuffled} starts at the first URL and
 * walks the others in an order of the client's own (docs/protocol.md §6.3): the clients of a node
 * that dies then spread over the survivors instead of all moving to the same next node.
 */
public final class UrlRotation {
  private final List<URI> urls;
  private int next;

  /**
   * @param start index of the first URL to use (e.g. random, to spread clients)
   * @throws IllegalArgumentException for an empty list or a URL that is not ws:// or wss://
   */
  public UrlRotation(List<URI> urls, int start) {
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("at least one node URL is required");
    }
    for (URI url : urls) {
      if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
        throw new IllegalArgumentException("node URLs must be ws:// or wss://: " + url);
      }
    }
    this.urls = List.copyOf(urls);
    this.next = Math.floorMod(start, urls.size());
  }

  /** The first URL, then the others in a random order of this client's own. */
  public static UrlRotation shuffled(List<URI> urls, Random random) {
    List<URI> order = new ArrayList<>(urls);
    if (order.size() > 2) Collections.shuffle(order.subList(1, order.size()), random);
    return new UrlRotation(order, 0);
  }

  public synchronized URI next() {
    URI url = urls.get(next);
    next = (next + 1) % urls.size();
    return url;
  }

  public List<URI> urls() {
    return urls;
  }
}
