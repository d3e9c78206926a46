package io.lifeguard.node.console;

import io.lifeguard.node.http.StaticFiles;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The console's static files, read from the jar's {@code console/} folder: {@code GET /} (302) and
 * {@code GET /console} (301) redirect to {@code /console/}, which serves {@code index.html}; {@code GET /console/{file}}
 * serves one file of that flat folder; anything else under {@code /console} is 404.
 */
final class ConsoleAssets extends AllDirectives {
  // The page loads only its own files and talks only to this node; nothing inline, no framing.
  private final StaticFiles files = new StaticFiles("console/",
      Pattern.compile("[a-z0-9][a-z0-9-]{0,63}\\.(html|js|css|svg)"),
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      "no such console file");

  Route routes() {
    return concat(
        // A person who opens the node's address in a browser lands on the console, not on a 404.
        pathSingleSlash(() -> get(() -> redirect(Uri.create("/console/"), StatusCodes.FOUND))),
        pathPrefix("console", () -> concat(
            pathEnd(() -> get(() -> redirect(Uri.create("/console/"), StatusCodes.MOVED_PERMANENTLY))),
            pathSingleSlash(() -> get(() -> complete(files.serve("index.html")))),
            path(PathMatchers.segment(), name -> get(() -> complete(files.serve(name)))),
            extractUnmatchedPath(rest -> complete(files.notFound())))));
  }
}
