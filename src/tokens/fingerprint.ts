import { createHmac } from 'node:crypto';
import { safeEqual } from '../core/safe-equal.js';
import type { StoredUser } from '../backends/types.js';

/**
 * A short keyed hash of the user's current credentials (id, email, role, password hash).
 * Carried by refresh and mailed tokens: when any of these change, every older token stops
 * matching, which revokes it without the gateway storing anything.
 *
 * Refresh tokens also bind the user's session version (bumped by logout); version 0 adds
 * nothing, so tokens issued before the counter existed stay valid until the first logout.
 */
export function credentialFingerprint(key: Uint8Array, user: StoredUser, scope: FingerprintScope = 'credentials'): string {
  const parts: unknown[] = ['authura-fp-v1', String(user.id), user.email, user.role, user.password];
  if (scope === 'session' && (user.session_version ?? 0) > 0) parts.push(user.session_version);
  return createHmac('sha256', key)
    .update(JSON.stringify(parts))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Constant-time comparison of a token's fingerprint with the user's current one. */
export function fingerprintMatches(key: Uint8Array, user: StoredUser, fingerprint: unknown, scope: FingerprintScope = 'credentials'): boolean {
  return typeof fingerprint === 'string' && safeEqual(fingerprint, credentialFingerprint(key, user, scope));
}

/** `credentials` for mailed tokens (logout leaves a pending reset link alone); `session` for refresh tokens. */
type FingerprintScope = 'credentials' | 'session';
