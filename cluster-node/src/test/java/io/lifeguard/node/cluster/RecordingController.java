package io.lifeguard.node.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.testing.NamespacedNode;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.TokenSigner;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A controller on a host's bus that records every answer it gets to its lease and action requests,
 * with the time relative to a mark (the fault), so a test can show that no lease was granted to
 * two holders for overlapping periods and when the host answered again.
 */
final class RecordingController implements AutoCloseable {
  /** One answer: its type ({@code lease}, {@code error}, {@code action_accepted}, or {@code none}/{@code send_failed}). */
  record Answer(long nanos, String request, String type, String code, long epoch, Instant expiresAt) {
    boolean isLease() {
      return "lease".equals(type);
    }

    /** Seconds after {@code markNanos}. */
    double at(long markNanos) {
      return (nanos - markNanos) / 1e9;
    }

    String describe(long markNanos) {
      return String.format("%6.2f s  %s -> %s%s", at(markNanos), request, type,
          isLease() ? " epoch " + epoch + " until " + expiresAt : code.isEmpty() ? "" : " " + code);
    }
  }

  private final String name;
  private final String holder;
  private final BusClient bus;
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private volatile long markNanos = System.nanoTime();
  private volatile boolean closed;

  private RecordingController(String name, String holder, BusClient bus) {
    this.name = name;
    this.holder = holder;
    this.bus = bus;
  }

  static RecordingController connect(String name, TokenSigner signer, NamespacedNode node, String host, String holder)
      throws Exception {
    String token = RelayTestClients.token(signer, host, Role.CONTROLLER, "test");
    return new RecordingController(name, holder, BusClient.connect(node.wsUri("/v1/hosts/" + host + "/bus?token=" + token)));
  }

  void mark(long nanos) {
    markNanos = nanos;
  }

  Answer acquire(Duration ttl, Duration wait) throws InterruptedException {
    return ask("lease_acquire", "{\"type\":\"lease_acquire\",\"holder\":\"" + holder + "\",\"ttl_ms\":" + ttl.toMillis() + "}", wait);
  }

  Answer renew(long epoch, Duration ttl, Duration wait) throws InterruptedException {
    return ask("lease_renew", "{\"type\":\"lease_renew\",\"holder\":\"" + holder + "\",\"epoch\":" + epoch
        + ",\"ttl_ms\":" + ttl.toMillis() + "}", wait);
  }

  Answer action(String actionId, long epoch, Duration wait) throws InterruptedException {
    return ask("action " + actionId, "{\"type\":\"action\",\"action_id\":\"" + actionId + "\",\"holder\":\"" + holder
        + "\",\"epoch\":" + epoch + ",\"payload\":{}}", wait);
  }

  /**
   * Renews every {@code every} on a daemon thread until the bus fails or this closes: a controller
   * that keeps its lease alive on whatever side of a partition it is on.
   */
  void keepRenewing(long epoch, Duration ttl, Duration every) {
    Thread renewer = new Thread(() -> {
      try {
        while (!closed) {
          long next = System.nanoTime() + every.toNanos();
          Answer a = renew(epoch, ttl, Duration.ofSeconds(7));
          if ("send_failed".equals(a.type())) return;
          java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-renewer");
    renewer.setDaemon(true);
    renewer.start();
  }

  /** Sends and waits up to {@code wait} for the reply; replies come in request order. */
  private synchronized Answer ask(String request, String json, Duration wait) throws InterruptedException {
    Answer answer;
    try {
      bus.send(json);
      JsonNode reply = bus.poll(wait);
      while (reply != null && "message".equals(reply.path("type").asText())) reply = bus.poll(wait);
      if (reply == null) {
        answer = new Answer(System.nanoTime(), request, "none", "", 0, null);
      } else {
        String type = reply.path("type").asText();
        Instant expires = reply.has("expires_at") ? Instant.parse(reply.get("expires_at").asText()) : null;
        answer = new Answer(System.nanoTime(), request, type, reply.path("code").asText(), reply.path("epoch").asLong(), expires);
      }
    } catch (RuntimeException e) {
      answer = new Answer(System.nanoTime(), request, "send_failed", String.valueOf(e.getMessage()), 0, null);
    }
    answers.add(answer);
    return answer;
  }

  List<Answer> answers() {
    return List.copyOf(answers);
  }

  /** The answers since the mark, collapsing repeats of the same outcome into a count. */
  String describe() {
    StringBuilder out = new StringBuilder();
    Answer previous = null;
    int repeats = 0;
    for (Answer a : answers) {
      if (a.nanos() < markNanos) continue;
      boolean same = previous != null && previous.type().equals(a.type()) && previous.code().equals(a.code())
          && previous.epoch() == a.epoch() && previous.request().equals(a.request());
      if (same) {
        repeats++;
        continue;
      }
      if (repeats > 0) out.append("           (").append(repeats).append(" more alike)\n");
      repeats = 0;
      out.append("  ").append(name).append(' ').append(a.describe(markNanos)).append('\n');
      previous = a;
    }
    if (repeats > 0) out.append("           (").append(repeats).append(" more alike, last at ")
        .append(String.format("%.2f s", answers.get(answers.size() - 1).at(markNanos))).append(")\n");
    return out.toString();
  }

  @Override
  public void close() {
    closed = true;
    bus.abort();
  }
}
