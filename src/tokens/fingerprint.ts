import { createHmac } from 'node:crypto';
import { safeEqual } from '../safe-equal.js';
import type { StoredUser } from '../backends/types.js';

/**
 * A short keyed hash of the user's current credentials (id, email, role, password hash).
 * Carried by refresh and mailed tokens: when any of these change, every older token stops
 * matching, which revokes it without the gateway storing anything.
 */
export function credentialFingerprint(key: Uint8Array, user: StoredUser): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['authura-fp-v1', String(user.id), user.email, user.role, user.password]))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Constant-time comparison of a token's fingerprint with the user's current one. */
export function fingerprintMatches(key: Uint8Array, user: StoredUser, fingerprint: unknown): boolean {
  return typeof fingerprint === 'string' && safeEqual(fingerprint, credentialFingerprint(key, user));
}
