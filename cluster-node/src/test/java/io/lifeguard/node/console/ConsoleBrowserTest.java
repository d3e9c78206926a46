package io.lifeguard.node.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.FreePorts;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The console end to end: two real nodes sharing a private Redis, Debian's headless Chromium on the
 * second node's {@code /console/}. Signs in (a wrong token is refused with a message), sees both
 * members, sees sessions and the live handshake counter change when a relay client connects,
 * drills into the session, an unknown host and a host whose bus client is on the other node,
 * pauses fallback through the confirmation dialog and sees the token API refuse with 403 {@code
 * fallback_paused}, resumes, sees the issued token in the per-cohort guardrail table, writes
 * {@code docs/console.png}, stops Redis and sees both nodes marked degraded (and still ready), then
 * stops the node serving the page and checks the page says so and recovers when a node comes back
 * on the same port (Redis still down: a new node is ready without it).
 */
class ConsoleBrowserTest {
  private static final String ADMIN = "adm-" + UUID.randomUUID();
  private static final String SERVICE = "svc-" + UUID.randomUUID();
  private static final int WIDTH = 1440;
  private final OctetKeyPair key = Ed25519Keys.generate("console-test");
  private final TokenSigner signer = new TokenSigner(key);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) resources.get(i).close();
  }

  @Test
  void operatorWatchesTheClusterLiveAndPausesFallback() throws Exception {
    RedisServerProcess redis = RedisServerProcess.start();
    resources.add(redis);
    Map<String, Object> shared = new HashMap<>();
    shared.put("lifeguard.redis.url", redis.url());
    shared.put("lifeguard.tokens.signing-jwk", key.toJSONString());
    shared.put("lifeguard.control.admin-tokens", "ops-alice:" + ADMIN);
    shared.put("lifeguard.control.service-tokens", "beach-road:" + SERVICE);
    Map<String, Object> one = new HashMap<>(shared);
    one.put("lifeguard.node-name", "beach-a");
    one.put("lifeguard.cluster.roles", "relay,manager");
    TestNode first = track(TestNode.start(one).awaitReady());
    int consolePort = FreePorts.next();
    Map<String, Object> two = new HashMap<>(shared);
    two.put("lifeguard.node-name", "beach-b");
    two.put("lifeguard.http.port", consolePort);
    two.put("lifeguard.cluster.seed-nodes", "127.0.0.1:" + first.clusterPort());
    TestNode second = TestNode.start(two).awaitReady();
    resources.add(() -> closeQuietly(second));

    Chromium browser = Chromium.launch(WIDTH, 1000);
    resources.add(browser);
    browser.navigate(second.uri("/console/"));
    browser.awaitTrue("!document.getElementById('login').hidden", "the sign-in form shows", Duration.ofSeconds(5));

    signIn(browser, "not-the-token");
    browser.awaitTrue("document.getElementById('login-error').textContent.includes('refused the token')",
        "a wrong token is refused with a message", Duration.ofSeconds(5));

    signIn(browser, ADMIN);
    browser.awaitTrue("document.querySelectorAll('#members tbody tr').length === 2 && "
        + "document.getElementById('conn-status').dataset.state === 'live'", "two members, live", Duration.ofSeconds(20));
    String members = browser.text("#members tbody");
    // The address column is where an operator would curl (HTTP), not the cluster's Artery address.
    assertTrue(members.contains("127.0.0.1:" + first.httpPort()) && members.contains("127.0.0.1:" + second.httpPort()), members);
    assertFalse(members.contains("127.0.0.1:" + first.clusterPort()), members);
    // Narrow screens: the members table scrolls inside its card; the page itself does not scroll sideways.
    browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", 820, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
    assertTrue(browser.eval("document.documentElement.scrollWidth <= window.innerWidth").asBoolean(),
        "page width at 820 px: " + browser.eval("document.documentElement.scrollWidth").asInt() + ", wider elements: "
            + browser.eval("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
                + ".slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')").asText());
    browser.call("Emulation.clearDeviceMetricsOverride", Map.of());
    assertTrue(members.contains("beach-a") && members.contains("beach-b"), members);
    assertEquals(2, browser.eval("document.querySelectorAll('#map svg g.member').length").asInt());
    assertEquals("0", tile(browser, "relay sockets"));
    long handshakesBefore = handshakeTotal(browser);

    // A host and a participant on the node serving the page; the host sends a few frames.
    String session = "console-" + UUID.randomUUID();
    LifeguardClient host = track(connect(second, session, Role.HOST));
    track(connect(second, session, Role.PARTICIPANT));
    // Membership reaches the host's connection asynchronously (docs/protocol.md section 4): resend
    // in rounds of 20, at most 25 rounds, until the node has forwarded something.
    for (int round = 0; round < 25 && !forwardedAnything(second); round++) {
      for (int i = 0; i < 20; i++) host.send(("frame " + i).getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
    }
    browser.awaitTrue("Number(document.querySelector('#chart-handshakes .total').textContent.replace('total ', '')) >= "
        + (handshakesBefore + 2), "the live handshake counter counts both clients", Duration.ofSeconds(10));
    browser.awaitTrue("[...document.querySelectorAll('.tile')].some(t => t.textContent.endsWith('relay sockets') && t.textContent.startsWith('2'))"
        + " && [...document.querySelectorAll('.tile')].some(t => t.textContent.endsWith('sessions') && !t.textContent.startsWith('0'))",
        "relay sockets and sessions follow the clients", Duration.ofSeconds(10));
    browser.awaitTrue("document.querySelector('#chart-frames .total').textContent !== 'total 0'", "forwarded frames counted", Duration.ofSeconds(10));

    browser.eval("document.getElementById('session-id').value = " + Json.write(session)
        + "; document.getElementById('session-form').requestSubmit()");
    browser.awaitTrue("document.querySelectorAll('#session-peers tbody tr').length === 2", "the session's two peers", Duration.ofSeconds(10));
    String peers = browser.text("#session-peers");
    assertTrue(peers.contains("host") && peers.contains("participant") && peers.contains("beach-b"), peers);
    assertEquals("nowrap", browser.eval("getComputedStyle(document.querySelector('#session-peers tbody td.mono')).whiteSpace").asText(),
        "peer ids do not wrap mid-id");

    browser.eval("document.getElementById('host-id').value = 'host-never-seen'; document.getElementById('host-form').requestSubmit()");
    browser.awaitTrue("document.getElementById('host-result').textContent.includes('404 unknown_host')", "an unknown host is a 404", Duration.ofSeconds(10));

    // A host's harness attached to the other node: the drill-down lists it with its node and topics.
    String busHost = "console-host-" + UUID.randomUUID();
    BusClient harness = track(BusClient.connect(first.wsUri("/v1/hosts/" + busHost + "/bus?token="
        + RelayTestClients.token(signer, busHost, Role.HOST, "test"))));
    harness.send("{\"type\":\"subscribe\",\"namespace\":\"host\",\"topic\":\"config\"}").expect("subscribed");
    browser.eval("document.getElementById('host-id').value = " + Json.write(busHost) + "; document.getElementById('host-form').requestSubmit()");
    browser.awaitTrue("document.querySelectorAll('#host-subscribers tbody tr td.mono').length === 2",
        "the host's bus subscriber row", Duration.ofSeconds(10));
    String subscribers = browser.text("#host-subscribers tbody");
    assertTrue(subscribers.contains("host") && subscribers.contains("beach-a") && subscribers.contains("host/config"), subscribers);
    assertTrue(browser.text("#host-result").contains("1 (1 host)"), browser.text("#host-result"));

    // Drain asks for the node's address to be typed; cancelling does nothing.
    browser.eval("document.querySelector('#members tbody tr[data-address$=\\':" + first.clusterPort() + "\\'] button').click()");
    browser.awaitTrue("document.getElementById('confirm').open && !document.getElementById('confirm-typed-label').hidden && "
        + "document.getElementById('confirm-expected').textContent === '127.0.0.1:" + first.clusterPort() + "'", "the drain confirmation", Duration.ofSeconds(5));
    browser.eval("document.getElementById('confirm-cancel').click()");
    browser.awaitTrue("!document.getElementById('confirm').open", "the dialog closes", Duration.ofSeconds(5));
    assertEquals("", browser.text("#activity"), "a cancelled drain sends nothing");

    // Pause through the confirmation dialog; the token API (on the other node, via Redis) refuses.
    browser.eval("document.getElementById('pause').click()");
    browser.awaitTrue("document.getElementById('confirm').open", "the confirmation dialog", Duration.ofSeconds(5));
    browser.eval("document.getElementById('confirm-reason').value = 'console end-to-end test'; document.getElementById('confirm-ok').click()");
    browser.awaitTrue("document.getElementById('fallback-state').textContent === 'PAUSED' && !document.getElementById('confirm').open",
        "the page shows fallback paused", Duration.ofSeconds(10));
    assertTrue(browser.text("#activity").contains("pause fallback: 200"), browser.text("#activity"));
    for (TestNode node : List.of(second, first)) {
      HttpResponse<String> refused = tokenRequest(node);
      assertEquals(403, refused.statusCode(), refused.body());
      assertEquals("fallback_paused", Json.MAPPER.readTree(refused.body()).get("error").asText());
    }
    JsonNode state = Json.MAPPER.readTree(get(first, "/v1/admin/fallback").body());
    assertEquals("ops-alice", state.get("by").asText());
    assertEquals("console end-to-end test", state.get("reason").asText());
    browser.awaitTrue("document.getElementById('fallback-details').textContent.includes('ops-alice')", "who paused", Duration.ofSeconds(5));

    browser.eval("document.getElementById('resume').click()");
    browser.awaitTrue("document.getElementById('confirm').open", "the confirmation dialog", Duration.ofSeconds(5));
    browser.eval("document.getElementById('confirm-reason').value = 'test over'; document.getElementById('confirm-ok').click()");
    browser.awaitTrue("document.getElementById('fallback-state').textContent === 'active'", "fallback active again", Duration.ofSeconds(10));
    assertEquals(200, tokenRequest(second).statusCode());
    browser.awaitTrue("document.querySelector('#chart-tokens .total').textContent === 'total 2' && "
        + "document.querySelector('#chart-tokens .extra').textContent === '1 refused while paused'", "token requests counted", Duration.ofSeconds(10));
    // The issued token counts in Redis for its cohort (the refused ones do not): 1 / max(0, 200) = 0.5%. No
    // session count was ever posted for the cohort, and the table says so instead of judging it.
    browser.awaitTrue("(() => { const r = document.querySelector('#cohorts tr[data-cohort=\"console-test\"]');"
        + " return r !== null && r.cells[1].textContent === '0' && r.cells[2].textContent === '1'"
        + " && r.cells[3].textContent === '0.50%' && r.cells[4].textContent === 'no sessions reported yet'; })()",
        "the guardrail table shows the cohort's one activation", Duration.ofSeconds(15));
    assertTrue(browser.text("#cohorts-hour").contains("threshold 0.50%"), browser.text("#cohorts-hour"));

    // Into target/ on every run; refresh the README's picture with -Dlifeguard.screenshot=docs.
    Path module = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    browser.screenshot("docs".equals(System.getProperty("lifeguard.screenshot"))
        ? module.getParent().resolve("docs/console.png") : module.resolve("target/console.png"), WIDTH);

    // Redis goes away: both nodes stay ready members, and the page marks each one degraded.
    redis.stop();
    browser.awaitTrue("[...document.querySelectorAll('#members tbody tr')].every(r => r.querySelector('.pill.degraded') !== null)"
        + " && document.querySelectorAll('#map svg g.member text.degraded').length === 2", "every member marked degraded", Duration.ofSeconds(15));
    String degraded = browser.text("#members tbody");
    assertTrue(degraded.contains("degraded: bridge, guardrail, kill_switch") && degraded.contains("degraded: guardrail, kill_switch"), degraded);
    assertEquals(200, get(second, "/ready").statusCode());

    // The node serving the page goes away: the page says so, then recovers on a new node at that port.
    second.close();
    browser.awaitTrue("document.getElementById('conn-status').textContent === 'node unreachable — retrying' && "
        + "document.getElementById('banner').textContent.startsWith('Node unreachable')", "the unreachable message", Duration.ofSeconds(20));
    Map<String, Object> again = new HashMap<>(two);
    again.put("lifeguard.node-name", "beach-c");
    TestNode third = track(TestNode.start(again).awaitReadyWithoutRedis());
    browser.awaitTrue("document.getElementById('conn-status').dataset.state === 'live' && document.getElementById('banner').hidden"
        + " && document.getElementById('members').textContent.includes('beach-c')", "the page recovers", Duration.ofSeconds(30));
    assertTrue(browser.text("#where").contains("beach-c"), browser.text("#where"));
    assertTrue(third.httpPort() == consolePort);
  }

  private static void signIn(Chromium browser, String token) throws Exception {
    browser.eval("document.getElementById('token').value = " + Json.write(token)
        + "; document.getElementById('login-form').requestSubmit()");
  }

  private static String tile(Chromium browser, String label) throws Exception {
    return browser.eval("[...document.querySelectorAll('.tile')].find(t => t.querySelector('.tile-label').textContent === "
        + Json.write(label) + ").querySelector('.tile-value').textContent").asText();
  }

  private static long handshakeTotal(Chromium browser) throws Exception {
    return Long.parseLong(browser.text("#chart-handshakes .total").replace("total ", ""));
  }

  private HttpResponse<String> tokenRequest(TestNode node) throws Exception {
    Map<String, Object> body = Map.of("session_id", "console-" + UUID.randomUUID(), "cohort_id", "console-test",
        "client_version", "beach-cli/1.4.0", "role", "host", "telemetry_opt_in", false);
    return http.send(HttpRequest.newBuilder(node.uri("/v1/fallback/token")).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + SERVICE).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
  }

  private boolean forwardedAnything(TestNode node) throws Exception {
    for (String line : get(node, "/metrics").body().split("\n")) {
      if (line.startsWith("lifeguard_messages_forwarded_total ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) > 0;
      }
    }
    return false;
  }

  private HttpResponse<String> get(TestNode node, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
  }

  private LifeguardClient connect(TestNode node, String session, Role role) throws Exception {
    LifeguardClient client = RelayTestClients.builder(signer, session, role, List.of(node.wsUri("/ws")))
        .listener(new ClientListener() {})
        .build();
    client.connect().get(20, TimeUnit.SECONDS);
    return client;
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }

  private static void closeQuietly(TestNode node) {
    try {
      node.close();
    } catch (RuntimeException e) {
      // Already closed by the test.
    }
  }
}
