package io.lifeguard.node.http;

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

/**
 * One flat classpath folder of pages (the console, the demo, the packaged JavaScript client),
 * served with a content security policy. A file name must match the folder's pattern before the
 * classpath is asked, so no request reaches another resource ({@code ..}, encoded slashes and dots
 * never match) and there is no listing. Files are read once and kept: the jar does not change.
 */
public final class StaticFiles {
  private static final Map<String, ContentType> TYPES = Map.of(
      "html", ContentTypes.TEXT_HTML_UTF8,
      "js", ContentTypes.parse("text/javascript; charset=UTF-8"),
      "css", ContentTypes.parse("text/css; charset=UTF-8"),
      "svg", ContentTypes.parse("image/svg+xml"));

  private final String folder;
  private final Pattern names;
  private final List<HttpHeader> headers;
  private final String notFound;
  private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

  /**
   * @param folder the classpath folder, ending in {@code /}
   * @param names the file names it may serve; their extensions must be among html, js, css, svg
   * @param contentSecurityPolicy sent with every file, beside nosniff, no-referrer and no-cache
   * @param notFound the message of the 404 answer
   */
  public StaticFiles(String folder, Pattern names, String contentSecurityPolicy, String notFound) {
    this.folder = folder;
    this.names = names;
    this.notFound = notFound;
    this.headers = List.of(
        RawHeader.create("Content-Security-Policy", contentSecurityPolicy),
        RawHeader.create("X-Content-Type-Options", "nosniff"),
        RawHeader.create("Referrer-Policy", "no-referrer"),
        RawHeader.create("Cache-Control", "no-cache"));
  }

  /** Whether {@code name} is a name this folder could hold (it may still be missing). */
  public boolean allowed(String name) {
    return names.matcher(name).matches();
  }

  /** The file, or a JSON 404 when the name is not allowed or there is no such file. */
  public HttpResponse serve(String name) {
    if (!allowed(name)) return notFound();
    Optional<byte[]> bytes = cache.computeIfAbsent(name, this::load);
    if (bytes.isEmpty()) return notFound();
    ContentType type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
    return HttpResponse.create().withEntity(HttpEntities.create(type, bytes.get())).addHeaders(headers);
  }

  public HttpResponse notFound() {
    return Json.error(StatusCodes.NOT_FOUND, "not_found", notFound);
  }

  private Optional<byte[]> load(String name) {
    try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(folder + name)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder + name, e);
    }
  }
}
