package io.lifeguard.control.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BearerCredentialsTest {
  @Test
  void namedAndBareEntries() {
    BearerCredentials credentials = BearerCredentials.parse("service", List.of("beach-road:s3cret", " bare-secret ", "", "x/y:z"));
    assertEquals(List.of("beach-road", "service-2", "service-3"), credentials.ids());
    assertEquals(Optional.of("beach-road"), credentials.authenticate("s3cret"));
    assertEquals(Optional.of("service-2"), credentials.authenticate("bare-secret"));
    // "x/y" is not a valid id, so the whole entry is the secret.
    assertEquals(Optional.of("service-3"), credentials.authenticate("x/y:z"));
    assertEquals(Optional.empty(), credentials.authenticate("s3cre"));
    assertEquals(Optional.empty(), credentials.authenticate("beach-road:s3cret"));
    assertEquals(Optional.empty(), credentials.authenticate(null));
  }

  @Test
  void bearerHeader() {
    BearerCredentials credentials = BearerCredentials.parse("admin", List.of("ops:tok"));
    assertEquals(Optional.of("ops"), credentials.authenticateHeader("Bearer tok"));
    assertEquals(Optional.of("ops"), credentials.authenticateHeader("bearer tok"));
    assertEquals(Optional.empty(), credentials.authenticateHeader("Basic tok"));
    assertEquals(Optional.empty(), credentials.authenticateHeader("Bearer"));
    assertEquals(Optional.empty(), credentials.authenticateHeader(null));
  }

  @Test
  void emptySetAcceptsNothingAndBadEntriesAreRefusedWithoutTheSecret() {
    assertTrue(BearerCredentials.parse("service", List.of()).authenticate("").isEmpty());
    var e = assertThrows(IllegalArgumentException.class, () -> BearerCredentials.parse("admin", List.of("a:one", "a:two")));
    assertTrue(e.getMessage().contains("duplicate") && !e.getMessage().contains("two"));
    assertThrows(IllegalArgumentException.class, () -> BearerCredentials.parse("admin", List.of("a:")));
  }
}
