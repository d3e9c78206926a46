// @lifeguard/client: the relay client, the bridge client, and the codecs they are built on.
export { LifeguardClient } from './client.js';
export { BridgeClient, BridgeMessageError, BridgeReasons } from './bridge.js';
export { CloseReasons, closeReason, closeReasonForCode, closeReasonOrFallback } from './close.js';
export { ClosedError, NotConnectedError, ProtocolError } from './errors.js';
export { Kind, decodeFrame, encodeFrame, closeFrame, closeReasonOf, heartbeatFrame, MAX_BODY } from './frame.js';
export { decodeServerHello, encodeClientHello, HEARTBEAT_ANSWER } from './hello.js';
export { decodeToken } from './token.js';
export {
  Suite, KeySchedule, FrameSealer, FrameOpener, encodeAnnounce, decodeAnnounce, hkdfExtract, hkdfExpand, frameNonce,
} from './crypto.js';
export { GapDetector, PeerKeyring } from './keyring.js';
export { Backoff, UrlRotation, reconnectDelay } from './reconnect.js';
export { fromHex, toHex, toBase64Url, fromBase64Url } from './bytes.js';
