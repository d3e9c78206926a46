package io.lifeguard.node.demo;

import io.lifeguard.node.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The JavaScript client library ({@code clients/js/src}, packaged into the jar as {@code
 * client-js/}) under {@code GET /client/{file}.js}, and the demo page that uses it under {@code
 * GET /demo/}: two encrypted relay clients in one page, the newcomer's "see it work" step. Flat
 * folders, names matching {@link #NAME} only; any other path under the prefixes is rejected so it
 * falls through to later routes (the bridge's {@code /{agent}/ws/{session}} may use these words).
 */
public final class DemoAssets extends AllDirectives {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}\\.(html|js|css)");
  private static final Map<String, ContentType> TYPES = Map.of(
      "html", ContentTypes.TEXT_HTML_UTF8,
      "js", ContentTypes.parse("text/javascript; charset=UTF-8"),
      "css", ContentTypes.parse("text/css; charset=UTF-8"));
  // Own files only, nothing inline; WebSockets may go to the edge port, which is another origin.
  static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
          + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));

  private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

  public Route routes() {
    return concat(
        folder("client", "client-js/", Optional.empty()),
        folder("demo", "demo/", Optional.of("index.html")));
  }

  private Route folder(String prefix, String resourceFolder, Optional<String> index) {
    return pathPrefix(prefix, () -> concat(
        pathEnd(() -> get(() -> redirect(Uri.create("/" + prefix + "/"), StatusCodes.MOVED_PERMANENTLY))),
        pathSingleSlash(() -> get(() -> index.map(name -> complete(serve(resourceFolder, name))).orElseGet(this::reject))),
        path(PathMatchers.segment(), name -> NAME.matcher(name).matches()
            ? get(() -> complete(serve(resourceFolder, name)))
            : reject())));
  }

  private HttpResponse serve(String folder, String name) {
    Optional<byte[]> bytes = cache.computeIfAbsent(folder + name, DemoAssets::load);
    if (bytes.isEmpty()) {
      return Json.error(StatusCodes.NOT_FOUND, "not_found", "no such file");
    }
    ContentType type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
    return HttpResponse.create().withEntity(HttpEntities.create(type, bytes.get())).addHeaders(HEADERS);
  }

  private static Optional<byte[]> load(String resource) {
    try (InputStream in = DemoAssets.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
