package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.host.BusAcl.BusTopic;
import io.lifeguard.node.host.BusAcl.Control;
import io.lifeguard.protocol.Role;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ACL table itself: what each role may reach, checked against the rules. */
class BusAclTest {
  private static final Set<BusTopic> MANAGER_TOPICS =
      Set.of(BusAcl.MANAGER_ACTION, BusAcl.MANAGER_ACK, BusAcl.MANAGER_STATE, BusAcl.MANAGER_HEALTH);

  @Test
  void viewersAndParticipantsNeverReachControllerTopics() {
    for (Role role : new Role[] {Role.VIEWER, Role.PARTICIPANT}) {
      for (BusTopic t : MANAGER_TOPICS) {
        assertFalse(BusAcl.maySubscribe(role, t), role + " subscribes " + t);
        assertFalse(BusAcl.mayPublish(role, t), role + " publishes " + t);
      }
      for (Control c : Control.values()) assertFalse(BusAcl.may(role, c), role + " uses " + c);
      assertTrue(BusAcl.maySubscribe(role, BusAcl.HOST_STATUS));
      assertTrue(BusAcl.grants(role).publish().isEmpty());
    }
  }

  @Test
  void actionsAndAcksOnlyFlowThroughTheirControlMessages() {
    for (Role role : Role.values()) {
      assertFalse(BusAcl.mayPublish(role, BusAcl.MANAGER_ACTION), role + " publishes actions directly");
      assertFalse(BusAcl.mayPublish(role, BusAcl.MANAGER_ACK), role + " publishes acks directly");
    }
    for (Role driver : new Role[] {Role.CONTROLLER, Role.MANAGER}) {
      assertTrue(BusAcl.may(driver, Control.ACTION), driver + " acts");
      assertTrue(BusAcl.may(driver, Control.LEASE), driver + " leases");
      assertTrue(BusAcl.maySubscribe(driver, BusAcl.MANAGER_ACK), driver + " reads acks");
    }
    assertTrue(BusAcl.may(Role.CONTROLLER, Control.ACTION));
    assertTrue(BusAcl.may(Role.CONTROLLER, Control.LEASE));
    assertFalse(BusAcl.may(Role.CONTROLLER, Control.ACK));
    assertTrue(BusAcl.may(Role.HOST, Control.ACK));
    assertFalse(BusAcl.may(Role.HOST, Control.ACTION));
    assertFalse(BusAcl.may(Role.HOST, Control.LEASE));
  }

  @Test
  void hostAndControllerSeeWhatTheirHalfOfTheConversationNeeds() {
    assertTrue(BusAcl.maySubscribe(Role.HOST, BusAcl.MANAGER_ACTION));
    assertTrue(BusAcl.maySubscribe(Role.HOST, BusAcl.HOST_CONFIG));
    assertTrue(BusAcl.mayPublish(Role.HOST, BusAcl.MANAGER_STATE));
    assertTrue(BusAcl.mayPublish(Role.HOST, BusAcl.MANAGER_HEALTH));
    assertFalse(BusAcl.maySubscribe(Role.HOST, BusAcl.MANAGER_ACK));
    assertTrue(BusAcl.maySubscribe(Role.CONTROLLER, BusAcl.MANAGER_ACK));
    assertTrue(BusAcl.maySubscribe(Role.CONTROLLER, BusAcl.MANAGER_STATE));
    assertTrue(BusAcl.mayPublish(Role.CONTROLLER, BusAcl.HOST_CONFIG));
    assertFalse(BusAcl.maySubscribe(Role.CONTROLLER, BusAcl.HOST_CONFIG));
  }

  @Test
  void everyGrantedTopicIsKnownAndUnknownOnesAreNamed() {
    for (Role role : Role.values()) {
      for (BusTopic t : BusAcl.grants(role).subscribe()) assertEquals(Optional.empty(), BusAcl.unknown(t.namespace(), t.topic()));
      for (BusTopic t : BusAcl.grants(role).publish()) assertEquals(Optional.empty(), BusAcl.unknown(t.namespace(), t.topic()));
    }
    assertEquals(Optional.of("unknown_namespace"), BusAcl.unknown("controller", "input"));
    assertEquals(Optional.of("unknown_topic"), BusAcl.unknown("manager", "input"));
    assertEquals(Role.values().length, BusAcl.table().size(), "every role has a row");
    for (Role role : Role.values()) assertTrue(BusAcl.grants(role) != null, role + " has grants");
  }
}
