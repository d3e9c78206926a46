package io.lifeguard.sharding.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.sharding.assignment.RendezvousAssignment.Placement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Properties of rendezvous assignment over many random memberships and host sets. */
class RendezvousAssignmentPropertiesTest {

  @Provide
  Arbitrary<Set<String>> members() {
    Arbitrary<String> member = Combinators.combine(
            Arbitraries.integers().between(1, 254), Arbitraries.integers().between(1, 254), Arbitraries.integers().between(2000, 65000))
        .as((a, b, port) -> "pekko://lifeguard@10.0." + a + "." + b + ":" + port);
    return member.set().ofMinSize(1).ofMaxSize(9);
  }

  @Provide
  Arbitrary<Set<String>> hosts() {
    return Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-').ofMinLength(1).ofMaxLength(24)
        .set().ofMinSize(0).ofMaxSize(300);
  }

  @Property(tries = 300)
  void sameMembersGiveTheSameMapping(@ForAll("hosts") Set<String> hosts, @ForAll("members") Set<String> members,
      @ForAll @IntRange(min = 1, max = 80) int capacity, @ForAll long seed) {
    List<String> shuffledHosts = new ArrayList<>(hosts);
    List<String> shuffledMembers = new ArrayList<>(members);
    Collections.shuffle(shuffledHosts, new Random(seed));
    Collections.shuffle(shuffledMembers, new Random(seed + 1));
    assertEquals(RendezvousAssignment.assign(hosts, members, capacity),
        RendezvousAssignment.assign(shuffledHosts, shuffledMembers, capacity));
  }

  @Property(tries = 300)
  void capacityIsRespectedWheneverItCanBe(@ForAll("hosts") Set<String> hosts, @ForAll("members") Set<String> members,
      @ForAll @IntRange(min = 1, max = 80) int capacity) {
    Map<String, Placement> mapping = RendezvousAssignment.assign(hosts, members, capacity);
    assertEquals(hosts, mapping.keySet(), "every host is placed");
    Map<String, Integer> load = loads(mapping);
    boolean feasible = hosts.size() <= (long) capacity * members.size();
    for (Map.Entry<String, Placement> e : mapping.entrySet()) {
      Placement p = e.getValue();
      assertTrue(members.contains(p.node()));
      assertEquals(RendezvousAssignment.rank(e.getKey(), members).indexOf(p.node()) + 1, p.rank());
      if (feasible) {
        assertTrue(load.get(p.node()) <= capacity, "node over capacity: " + p.node());
        assertEquals(RendezvousAssignment.reason(p.rank(), false), p.reason());
      }
    }
    if (!feasible) {
      int min = Collections.min(load.values());
      int max = Collections.max(load.values());
      assertTrue(min >= capacity || members.size() > load.size(), "the excess only lands once everyone is full");
      assertTrue(max - capacity <= (hosts.size() - capacity * members.size()) / members.size() + 1, "excess spread evenly");
    }
  }

  @Property(tries = 300)
  void whenANodeLeavesOnlyItsHostsMove(@ForAll("hosts") Set<String> hosts, @ForAll("members") Set<String> members) {
    if (members.size() < 2) return;
    int roomy = hosts.size() + 1; // capacity does not bind
    Map<String, Placement> before = RendezvousAssignment.assign(hosts, members, roomy);
    String leaving = new TreeSet<>(members).first();
    Set<String> rest = new TreeSet<>(members);
    rest.remove(leaving);
    Map<String, Placement> after = RendezvousAssignment.assign(hosts, rest, roomy);
    for (String host : hosts) {
      if (before.get(host).node().equals(leaving)) {
        assertTrue(!after.get(host).node().equals(leaving));
      } else {
        assertEquals(before.get(host).node(), after.get(host).node(), "host " + host + " moved needlessly");
      }
    }
  }

  @Property(tries = 100)
  void whenANodeJoinsAboutOneInNMoveAndOnlyToIt(@ForAll("members") Set<String> members, @ForAll long seed) {
    Random random = new Random(seed);
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < 1500; i++) hosts.add("host-" + Long.toHexString(random.nextLong()));
    String joining = "pekko://lifeguard@10.9.9.9:" + (1000 + random.nextInt(1000));
    Set<String> grown = new TreeSet<>(members);
    grown.add(joining);
    Map<String, Placement> before = RendezvousAssignment.assign(hosts, members, Integer.MAX_VALUE);
    Map<String, Placement> after = RendezvousAssignment.assign(hosts, grown, Integer.MAX_VALUE);
    int moved = 0;
    for (String host : hosts) {
      if (!before.get(host).node().equals(after.get(host).node())) {
        moved++;
        assertEquals(joining, after.get(host).node(), "a host moved somewhere other than the new node");
      }
    }
    double expected = 1.0 / grown.size();
    double fraction = moved / (double) hosts.size();
    assertTrue(Math.abs(fraction - expected) < 0.06, "moved " + fraction + " of hosts, expected about " + expected);
  }

  @Property(tries = 200)
  void explainAgreesWithTheDecision(@ForAll("hosts") Set<String> hosts, @ForAll("members") Set<String> members,
      @ForAll @IntRange(min = 1, max = 40) int capacity) {
    if (hosts.size() > (long) capacity * members.size()) return;
    Map<String, Integer> load = new HashMap<>();
    for (String host : new TreeSet<>(hosts)) {
      Placement p = RendezvousAssignment.place(host, members, load, capacity);
      assertEquals(p.reason(), RendezvousAssignment.explain(host, p.node(), members, load, capacity));
      load.merge(p.node(), 1, Integer::sum);
    }
  }

  private static Map<String, Integer> loads(Map<String, Placement> mapping) {
    Map<String, Integer> load = new HashMap<>();
    for (Placement p : mapping.values()) load.merge(p.node(), 1, Integer::sum);
    return load;
  }
}
