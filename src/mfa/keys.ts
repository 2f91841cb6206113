import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { safeEqual } from '../core/safe-equal.js';

/** One MFA_ENCRYPTION_KEY: its id (a hash: it says nothing of the key), the key, and the recovery codes' HMAC key derived from it. */
interface MfaKey {
  readonly id: string;
  readonly key: Buffer;
  readonly recovery: Buffer;
}

/** What MFA_ENCRYPTION_KEY (and its _PREVIOUS keys) do: seal TOTP secrets, hash recovery codes. */
export interface MfaKeys {
  /** The secret sealed for this user: AES-256-GCM, the user id and tenant as associated data. */
  seal(secret: string, userId: string, tenantId: string | null): string;
  /** The secret, or undefined when no key opens it for this user (another user's row, a retired key). */
  open(sealed: string, userId: string, tenantId: string | null): string | undefined;
  /** A recovery code's keyed hash (HMAC-SHA256), as stored. */
  hashRecoveryCode(code: string): string;
  /** The stored hash `code` matches, if any (under whichever key made it). */
  findRecoveryCode(code: string, stored: readonly string[]): string | undefined;
}

const keyOf = (base64: string): MfaKey => {
  const key = Buffer.from(base64, 'base64');
  return {
    id: createHash('sha256').update(key).digest('base64url').slice(0, 8),
    key,
    recovery: Buffer.from(hkdfSync('sha256', key, new Uint8Array(0), 'authura recovery code v1', 32)),
  };
};

const associated = (userId: string, tenantId: string | null) => Buffer.from(`${userId}\0${tenantId ?? ''}`);

/** Typed codes are compared without case, spaces or dashes. */
const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

/**
 * The MFA keys: the first seals and hashes, all open and check (rotation: seal again on the next
 * write). Stored forms: `v1.<key id>.<iv>.<ciphertext and tag>` and `<key id>.<hmac>` (base64url).
 */
export function mfaKeys(current: string, previous: readonly string[]): MfaKeys {
  const keys = [current, ...previous].map(keyOf);
  const signer = keys[0] as MfaKey;
  const byId = new Map(keys.map((k) => [k.id, k]));
  const hmac = (k: MfaKey, code: string) => createHmac('sha256', k.recovery).update(normaliseRecoveryCode(code)).digest('base64url');
  return {
    seal(secret, userId, tenantId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', signer.key, iv);
      cipher.setAAD(associated(userId, tenantId));
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${signer.id}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    open(sealed, userId, tenantId) {
      const [version, id, iv, body] = sealed.split('.');
      const k = id === undefined ? undefined : byId.get(id);
      if (version !== 'v1' || k === undefined || iv === undefined || body === undefined) return undefined;
      try {
        const bytes = Buffer.from(body, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(associated(userId, tenantId));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
    hashRecoveryCode: (code) => `${signer.id}.${hmac(signer, code)}`,
    findRecoveryCode(code, stored) {
      // Every stored hash is compared (no early exit on the first match's position).
      let found: string | undefined;
      for (const entry of stored) {
        const [id, hash] = entry.split('.');
        const k = id === undefined ? undefined : byId.get(id);
        if (k !== undefined && hash !== undefined && safeEqual(hmac(k, code), hash)) found ??= entry;
      }
      return found;
    },
  };
}
