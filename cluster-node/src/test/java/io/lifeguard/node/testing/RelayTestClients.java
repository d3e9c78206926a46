package io.lifeguard.node.testing;

import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.client.LifeguardClient;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Relay tokens and protocol-library clients for tests that drive nodes as real clients would. */
public final class RelayTestClients {
  private RelayTestClients() {}

  /** A fresh fallback-authorized token for {@code session}, valid four minutes. */
  public static String token(TokenSigner signer, String session, Role role, String cohort) {
    Instant now = Instant.now();
    return signer.sign(new TokenClaims(session, role, now, now.plus(Duration.ofMinutes(4)), cohort,
        FeatureBits.FALLBACK_AUTHORIZED, UUID.randomUUID().toString()));
  }

  /**
   * A client builder for {@code session} that fetches a fresh token on every (re)connect and retries
   * quickly (200 ms to 2 s), trying {@code urls} in the order given (the fault tests place clients
   * on given nodes); callers add the listener.
   */
  public static LifeguardClient.Builder builder(TokenSigner signer, String session, Role role, List<URI> urls) {
    return LifeguardClient.builder()
        .urls(urls)
        .urlsInGivenOrder()
        .tokenSupplier(() -> token(signer, session, role, "test"))
        .sessionId(session)
        .role(role)
        .backoff(Duration.ofMillis(200), Duration.ofSeconds(2));
  }

  /**
   * Sends {@code text} until the receiver's inbox has it, or fails after {@code within}: after a
   * join or a failover membership re-forms asynchronously (protocol.md §4), so a client resends.
   */
  public static void sendAndExpect(LifeguardClient sender, LinkedBlockingQueue<String> inbox, String text, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (sender.isConnected()) sender.send(text.getBytes(StandardCharsets.UTF_8)).exceptionally(e -> null);
      String got = inbox.poll(300, TimeUnit.MILLISECONDS);
      while (got != null && !got.equals(text)) got = inbox.poll(50, TimeUnit.MILLISECONDS);
      if (text.equals(got)) return;
    }
    throw new AssertionError("'" + text + "' not received within " + within);
  }
}
