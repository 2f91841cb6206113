import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredUser } from '../backends/types.js';
import { credentialFingerprint, fingerprintMatches } from './fingerprint.js';

/**
 * The fingerprint of an existing user must never change across releases: it is in every refresh
 * token and mailed link already handed out, and a new formula would end every session at the
 * upgrade. The expected values are computed here from the documented formula, and pinned to the value every release so far
 * computes (checked against the first release that had fingerprints).
 */
describe('the credential fingerprint of existing users', () => {
  const key = new TextEncoder().encode('k'.repeat(32));
  const user: StoredUser = {
    id: 42,
    email: 'john@example.com',
    role: 'user',
    password: '$2b$10$abcdefghijklmnopqrstuu5Wk0n6I1GQ7O1TR2QeMnKBFJXb3cVpe',
    tenant_id: null,
    verified_at: '2026-01-01T00:00:00.000Z',
    session_version: 0,
  } as StoredUser;
  const byHand = (parts: unknown[]) =>
    createHmac('sha256', key).update(JSON.stringify(parts)).digest().subarray(0, 16).toString('base64url');

  it('is HMAC-SHA256 over ["authura-fp-v1", id, email, role, password hash], 16 bytes, base64url', () => {
    const expected = byHand(['authura-fp-v1', '42', 'john@example.com', 'user', user.password]);
    expect(credentialFingerprint(key, user)).toBe(expected);
    expect(expected).toMatch(/^[\w-]{22}$/);
    // Version 0 adds nothing: tokens from before the session version existed stay valid.
    expect(credentialFingerprint(key, user, 'session')).toBe(expected);
    expect(fingerprintMatches(key, user, expected, 'session')).toBe(true);
  });

  it('binds the session version (when above 0) for refresh tokens only', () => {
    const bumped = { ...user, session_version: 3 };
    expect(credentialFingerprint(key, bumped, 'session')).toBe(byHand(['authura-fp-v1', '42', 'john@example.com', 'user', user.password, 3]));
    expect(credentialFingerprint(key, bumped)).toBe(credentialFingerprint(key, user));
  });

  it('is pinned: the same inputs give the same value as every earlier release', () => {
    expect(credentialFingerprint(key, user)).toMatchInlineSnapshot(`"-9XVGeRb-8kmSOOnYb9uHA"`);
  });
});
