package io.lifeguard.node.console;

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
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The console's static files, read from the jar's {@code console/} folder: {@code GET /} (302) and
 * {@code GET /console} (301) redirect to {@code /console/}, which serves {@code index.html}; {@code GET /console/{file}}
 * serves one file of that flat folder. A file name must match {@link #NAME}, so no request can
 * reach another classpath resource ({@code ..}, encoded slashes and dots never match) and there is
 * no directory listing: anything else under {@code /console} is 404.
 */
final class ConsoleAssets extends AllDirectives {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}\\.(html|js|css|svg)");
  private static final String FOLDER = "console/";
  private static final Map<String, ContentType> TYPES = Map.of(
      "html", ContentTypes.TEXT_HTML_UTF8,
      "js", ContentTypes.parse("text/javascript; charset=UTF-8"),
      "css", ContentTypes.parse("text/css; charset=UTF-8"),
      "svg", ContentTypes.parse("image/svg+xml"));
  // The page loads only its own files and talks only to this node; nothing inline, no framing.
  static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
          + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));

  private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

  Route routes() {
    return concat(
        // A person who opens the node's address in a browser lands on the console, not on a 404.
        pathSingleSlash(() -> get(() -> redirect(org.apache.pekko.http.javadsl.model.Uri.create("/console/"), StatusCodes.FOUND))),
        pathPrefix("console", () -> concat(
        pathEnd(() -> get(() -> redirect(org.apache.pekko.http.javadsl.model.Uri.create("/console/"), StatusCodes.MOVED_PERMANENTLY))),
        pathSingleSlash(() -> get(() -> complete(serve("index.html")))),
        path(PathMatchers.segment(), name -> get(() -> complete(serve(name)))),
        extractUnmatchedPath(rest -> complete(notFound())))));
  }

  private HttpResponse serve(String name) {
    if (!NAME.matcher(name).matches()) return notFound();
    Optional<byte[]> bytes = cache.computeIfAbsent(name, ConsoleAssets::load);
    if (bytes.isEmpty()) return notFound();
    ContentType type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
    return HttpResponse.create().withEntity(HttpEntities.create(type, bytes.get())).addHeaders(HEADERS);
  }

  private static Optional<byte[]> load(String name) {
    try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read console asset " + name, e);
    }
  }

  private static HttpResponse notFound() {
    return Json.error(StatusCodes.NOT_FOUND, "not_found", "no such console file");
  }
}
