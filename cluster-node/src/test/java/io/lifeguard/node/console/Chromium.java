package io.lifeguard.node.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.RequiredTools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Debian's headless Chromium driven over the Chrome DevTools protocol from Java: no npm, no driver
 * download. Launches {@code /usr/bin/chromium} with a fresh profile and a DevTools port chosen by
 * the browser (read from the profile's {@code DevToolsActivePort}), then talks to its one page
 * over {@link java.net.http.WebSocket}.
 */
final class Chromium implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

  private final Process process;
  private final Path profile;
  private final Path output;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  private Chromium(Process process, Path profile, Path output, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.output = output;
    this.socket = socket;
  }

  /** Skips locally, fails under CI ({@link RequiredTools}), with the package to install when the browser is missing. */
  static Chromium launch(int width, int height) throws Exception {
    RequiredTools.require(Files.isExecutable(BINARY), "headless Chromium is required at " + BINARY
        + " for the console end-to-end test: install Debian's package with `apt-get install -y chromium`");
    Path profile = Files.createTempDirectory("lifeguard-chromium");
    Path output = profile.resolveSibling(profile.getFileName() + ".log");
    Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
        "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!(Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2)) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("chromium did not open its DevTools port: " + tail(output));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
      HttpClient http = HttpClient.newHttpClient();
      String list = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      String pageUrl = null;
      for (JsonNode target : Json.MAPPER.readTree(list)) {
        if ("page".equals(target.path("type").asText())) pageUrl = target.path("webSocketDebuggerUrl").asText();
      }
      if (pageUrl == null) throw new AssertionError("chromium shows no page target: " + list);
      Chromium[] self = new Chromium[1];
      Listener listener = new Listener(message -> self[0].onMessage(message));
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), listener).get(10, TimeUnit.SECONDS);
      self[0] = new Chromium(process, profile, output, socket);
      self[0].call("Page.enable", Map.of());
      self[0].call("Runtime.enable", Map.of());
      self[0].call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
      return self[0];
    } catch (Exception | AssertionError e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** Sends one DevTools command and waits for its result. */
  JsonNode call(String method, Map<String, ?> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode message = Json.MAPPER.createObjectNode();
    message.put("id", id);
    message.put("method", method);
    message.set("params", Json.MAPPER.valueToTree(params));
    socket.sendText(Json.write(message), true).get(5, TimeUnit.SECONDS);
    try {
      JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (reply.has("error")) throw new AssertionError(method + " failed: " + reply.get("error"));
      return reply.path("result");
    } finally {
      pending.remove(id);
    }
  }

  void navigate(URI url) throws Exception {
    call("Page.navigate", Map.of("url", url.toString()));
    awaitTrue("document.readyState === 'complete' && location.href === " + Json.write(url.toString()), "page " + url + " loaded", Duration.ofSeconds(15));
  }

  /** Evaluates JavaScript in the page (promises awaited) and returns its value as JSON. */
  JsonNode eval(String expression) throws Exception {
    JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (result.has("exceptionDetails")) throw new AssertionError("page threw for `" + expression + "`: " + result.get("exceptionDetails"));
    return result.path("result").path("value");
  }

  String text(String selector) throws Exception {
    return eval("(document.querySelector(" + Json.write(selector) + ")?.textContent ?? '').trim()").asText();
  }

  /** Polls a boolean expression until true; the failure names what was awaited and the page's state. */
  void awaitTrue(String expression, String what, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (eval("Boolean(" + expression + ")").asBoolean()) return;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new AssertionError("timed out after " + timeout + " waiting until " + what + "; status: "
        + text("#conn-status") + "; banner: " + text("#banner") + "; login error: " + text("#login-error"));
  }

  /** A PNG of the whole page, not only the viewport. */
  void screenshot(Path file, int width) throws Exception {
    int height = eval("Math.ceil(document.documentElement.scrollHeight)").asInt();
    call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  private void onMessage(String text) {
    try {
      JsonNode message = Json.MAPPER.readTree(text);
      if (message.has("id")) {
        CompletableFuture<JsonNode> answer = pending.get(message.get("id").asInt());
        if (answer != null) answer.complete(message);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws Exception {
    socket.abort();
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    deleteTree(profile);
    Files.deleteIfExists(output);
  }

  private static String tail(Path output) {
    try {
      List<String> lines = Files.readAllLines(output);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Joins fragmented text frames (screenshots arrive in many) into whole messages. */
  private static final class Listener implements WebSocket.Listener {
    private final java.util.function.Consumer<String> onMessage;
    private final StringBuilder buffer = new StringBuilder();

    Listener(java.util.function.Consumer<String> onMessage) {
      this.onMessage = onMessage;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String message = buffer.toString();
        buffer.setLength(0);
        onMessage.accept(message);
      }
      webSocket.request(1);
      return null;
    }
  }
}
