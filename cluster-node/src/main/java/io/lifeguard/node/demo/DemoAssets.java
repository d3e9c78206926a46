package io.lifeguard.node.demo;

import io.lifeguard.node.http.StaticFiles;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The JavaScript client library ({@code clients/js/src}, packaged into the jar as {@code
 * client-js/}) under {@code GET /client/{file}.js}, and the demo page that uses it under {@code
 * GET /demo/}: two encrypted relay clients in one page, the newcomer's "see it work" step. Flat
 * folders; a path under the prefixes that is not a file name is rejected so it falls through to
 * later routes (the bridge's {@code /{agent}/ws/{session}} may use these words).
 */
public final class DemoAssets extends AllDirectives {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}\\.(html|js|css)");
  // Own files only, nothing inline; WebSockets may go to the edge port, which is another origin.
  private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  public Route routes() {
    return concat(
        folder("client", new StaticFiles("client-js/", NAME, POLICY, "no such file"), Optional.empty()),
        folder("demo", new StaticFiles("demo/", NAME, POLICY, "no such file"), Optional.of("index.html")));
  }

  private Route folder(String prefix, StaticFiles files, Optional<String> index) {
    return pathPrefix(prefix, () -> concat(
        pathEnd(() -> get(() -> redirect(Uri.create("/" + prefix + "/"), StatusCodes.MOVED_PERMANENTLY))),
        pathSingleSlash(() -> get(() -> index.map(name -> complete(files.serve(name))).orElseGet(this::reject))),
        path(PathMatchers.segment(), name -> files.allowed(name)
            ? get(() -> complete(files.serve(name)))
            : reject())));
  }
}
