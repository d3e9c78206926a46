// The close-reason table of docs/protocol.md section 6.1: code, wire name, and whether a client
// may reconnect automatically (4000-4499 yes, 4500-4999 no, standard codes their own flag).

const TABLE = [
  ['normal', 1000, false],
  ['server_shutdown', 1001, true],
  ['protocol_error', 1002, false],
  ['unsupported_data', 1003, false],
  ['policy_violation', 1008, false],
  ['message_too_big', 1009, false],
  ['internal_error', 1011, true],
  ['try_again_later', 1013, true],
  ['heartbeat_timeout', 4000, true],
  ['idle_timeout', 4001, true],
  ['rate_limited', 4002, true],
  ['node_full', 4003, true],
  ['handshake_timeout', 4004, true],
  ['slow_consumer', 4005, true],
  ['auth_failed', 4500, false],
  ['token_expired', 4501, false],
  ['session_mismatch', 4502, false],
  ['guardrail_tripped', 4503, false],
  ['fallback_paused', 4504, false],
  ['session_full', 4505, false],
  ['session_closed', 4506, false],
  ['duplicate_hello', 4507, false],
  ['forbidden_role', 4508, false],
];

/** Every listed reason by wire name, e.g. `CloseReasons.token_expired.code === 4501`. */
export const CloseReasons = Object.freeze(
  Object.fromEntries(TABLE.map(([name, code, reconnect]) => [name, Object.freeze({ name, code, reconnect })])),
);

const BY_CODE = new Map(Object.values(CloseReasons).map((r) => [r.code, r]));

/** The reason with this wire name; throws for names the table does not list. */
export function closeReason(name) {
  const reason = CloseReasons[name];
  if (!reason) throw new RangeError('unknown close reason ' + name);
  return reason;
}

/** The listed reason for a code, or undefined. */
export function closeReasonForCode(code) {
  return BY_CODE.get(code);
}

/**
 * Never undefined, so a client built today behaves sensibly with codes a newer node sends:
 * unknown 4500-4999 act as policy_violation (no reconnect), unknown 4000-4499 and 1005/1006 (no
 * status, abnormal closure) as try_again_later (reconnect), anything else as protocol_error.
 */
export function closeReasonOrFallback(code) {
  const known = BY_CODE.get(code);
  if (known) return known;
  if (code >= 4500 && code <= 4999) return CloseReasons.policy_violation;
  if ((code >= 4000 && code <= 4499) || code === 1005 || code === 1006) return CloseReasons.try_again_later;
  return CloseReasons.protocol_error;
}
