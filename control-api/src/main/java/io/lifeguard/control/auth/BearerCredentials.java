package io.lifeguard.control.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A set of bearer credentials, each with a public id used in logs. Entries are written {@code
 * id:secret}; an entry without a usable id prefix is a bare secret and gets the id {@code
 * <kind>-<position>} (1-based). Secrets are kept only as SHA-256 digests and compared in constant
 * time: every stored digest is compared on every call, so timing reveals neither which entry
 * matched nor how much of a secret was right.
 */
public final class BearerCredentials {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final List<String> ids;
  private final List<byte[]> digests;

  private BearerCredentials(List<String> ids, List<byte[]> digests) {
    this.ids = List.copyOf(ids);
    this.digests = List.copyOf(digests);
  }

  /**
   * Parses configured entries.
   *
   * @param kind prefix for generated ids, e.g. {@code service} or {@code admin}
   * @throws IllegalArgumentException for an empty secret or a duplicate id (message has no secret)
   */
  public static BearerCredentials parse(String kind, List<String> entries) {
    List<String> ids = new ArrayList<>();
    List<byte[]> digests = new ArrayList<>();
    int position = 0;
    for (String raw : entries) {
      String entry = raw.strip();
      if (entry.isEmpty()) continue;
      position++;
      String id = kind + "-" + position;
      String secret = entry;
      int colon = entry.indexOf(':');
      if (colon > 0 && ID.matcher(entry.substring(0, colon)).matches()) {
        id = entry.substring(0, colon);
        secret = entry.substring(colon + 1);
      }
      if (secret.isEmpty()) {
        throw new IllegalArgumentException(kind + " credential '" + id + "' has an empty secret");
      }
      if (ids.contains(id)) {
        throw new IllegalArgumentException("duplicate " + kind + " credential id '" + id + "'");
      }
      ids.add(id);
      digests.add(sha256(secret));
    }
    return new BearerCredentials(ids, digests);
  }

  /** The id of the credential whose secret equals {@code presented}, if any. */
  public Optional<String> authenticate(String presented) {
    if (presented == null || digests.isEmpty()) return Optional.empty();
    byte[] digest = sha256(presented);
    int match = -1;
    for (int i = 0; i < digests.size(); i++) {
      // No early exit: the loop costs the same whichever entry matches.
      if (MessageDigest.isEqual(digests.get(i), digest) && match < 0) match = i;
    }
    return match < 0 ? Optional.empty() : Optional.of(ids.get(match));
  }

  /** Reads {@code Authorization: Bearer <secret>} and authenticates it. */
  public Optional<String> authenticateHeader(String authorizationHeader) {
    if (authorizationHeader == null) return Optional.empty();
    String value = authorizationHeader.strip();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
    return authenticate(value.substring(7).strip());
  }

  public boolean isEmpty() {
    return ids.isEmpty();
  }

  /** Credential ids (never secrets), for start-up logs. */
  public List<String> ids() {
    return ids;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
