package io.lifeguard.node.metrics;

import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /metrics} in Prometheus text format. */
public final class MetricsRoutes extends AllDirectives {
  private static final ContentType TEXT = ContentTypes.parse(NodeMetrics.contentType());
  private final NodeMetrics metrics;

  public MetricsRoutes(NodeMetrics metrics) {
    this.metrics = metrics;
  }

  public Route routes() {
    return path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(HttpEntities.create(TEXT, metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8))))));
  }
}
