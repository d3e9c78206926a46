// Reading a relay token (docs/protocol.md section 7) without verifying it: the node verifies;
// a client only peeks, for example at `exp` to fetch the next token in time.
import { fromBase64Url, fromUtf8 } from './bytes.js';

/**
 * Splits a compact JWS into its decoded header and claims. Throws a TypeError for anything that
 * is not three base64url parts with JSON objects in the first two. Does NOT check the signature.
 */
export function decodeToken(compact) {
  const parts = typeof compact === 'string' ? compact.split('.') : [];
  if (parts.length !== 3) throw new TypeError('a token is three dot-separated parts');
  const [header, claims] = parts.slice(0, 2).map((part) => {
    const bytes = fromBase64Url(part);
    const value = bytes === null ? null : JSON.parse(fromUtf8(bytes));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('token part is not a JSON object');
    return value;
  });
  return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: fromBase64Url(parts[2]) };
}
