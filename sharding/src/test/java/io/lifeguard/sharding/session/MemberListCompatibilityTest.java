package io.lifeguard.sharding.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.sharding.CborSerializable;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Member lists cross nodes of different versions during a rolling upgrade: a list from a node
 * that predates {@code entityNode} must still be read, and must make its connection re-join on any
 * node's removal (the behaviour of that older version), never on none.
 */
class MemberListCompatibilityTest {

  /** MemberList as nodes before the targeted re-join sent it: no entity node. */
  record MemberListBeforeEntityNode(String incarnation, long version, List<Member> members)
      implements CborSerializable {}

  private static ActorTestKit testKit;
  private static ActorRef<PeerMessage> inbox;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    inbox = testKit.<PeerMessage>createTestProbe().ref();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aListThatNamesItsNodeRanOnlyThere() {
    MemberList list = new MemberList("inc", 3, List.of(), "pekko://lifeguard@10.0.0.1:25520");
    assertTrue(list.entityMayHaveRunOn("pekko://lifeguard@10.0.0.1:25520"));
    assertFalse(list.entityMayHaveRunOn("pekko://lifeguard@10.0.0.2:25520"));
  }

  @Test
  void aListFromAnOlderNodeIsReadAndCountsAsOnEveryNode() throws Exception {
    Member member = new Member("peer-a", "client", inbox, 7);

    MemberList list =
        (MemberList) writtenAndReadAs(new MemberListBeforeEntityNode("inc", 3, List.of(member)), MemberList.class);

    assertEquals("inc", list.incarnation());
    assertEquals(3, list.version());
    assertEquals(List.of(member), list.members());
    assertNull(list.entityNode());
    assertTrue(list.entityMayHaveRunOn("pekko://lifeguard@10.0.0.1:25520"));
    assertTrue(list.entityMayHaveRunOn("pekko://lifeguard@10.0.0.2:25520"));
  }

  @Test
  void anOlderNodeReadsTodaysListIgnoringTheEntityNode() throws Exception {
    Member member = new Member("peer-a", "client", inbox, 7);
    MemberList list = new MemberList("inc", 4, List.of(member), "pekko://lifeguard@10.0.0.1:25520");

    Object read = writtenAndReadAs(list, MemberListBeforeEntityNode.class);

    assertEquals(new MemberListBeforeEntityNode("inc", 4, List.of(member)), read);
  }

  /** Serializes {@code message} as the node that has its class would, and reads it as {@code as}. */
  private static Object writtenAndReadAs(Object message, Class<?> as) {
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = serialization.findSerializerFor(message);
    // The manifest is the class name: an older node's class of the same name reads the bytes.
    assertEquals(message.getClass().getName(), Serializers.manifestFor(serializer, message));
    byte[] bytes = serialization.serialize(message).get();
    return serialization.deserialize(bytes, serializer.identifier(), as.getName()).get();
  }
}
