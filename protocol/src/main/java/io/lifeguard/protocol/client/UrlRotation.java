package io.lifeguard.protocol.client;

import java.net.URI;
import java.util.List;

/**
 * Round-robin over the node URLs: every connection attempt takes the next one, so a client whose
 * node died tries another node first. Thread-safe.
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

  public synchronized URI next() {
    URI url = urls.get(next);
    next = (next + 1) % urls.size();
    return url;
  }

  public List<URI> urls() {
    return urls;
  }
}
