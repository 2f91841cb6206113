import { createHash, webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importJWK, importPKCS8, type JWK } from 'jose';
import type { JwtAlgorithm, TokenSettings } from './settings.js';

type CryptoKey = webcrypto.CryptoKey;

interface RingKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly key: CryptoKey;
  /** The raw secret (HMAC keys): also keys the credential fingerprints. */
  readonly raw?: Uint8Array<ArrayBuffer>;
}

/**
 * The keys of one token kind: the first signs, all verify (rotation), each found by `kid`.
 * Keys are imported once.
 */
export interface KeyRing {
  readonly signer: RingKey;
  readonly byKid: ReadonlyMap<string, RingKey>;
  /** Public keys for /.well-known/jwks.json (empty for HMAC). */
  readonly publicJwks: readonly JWK[];
}

/** An HMAC key's id: a hash of the secret, which says nothing about a high-entropy secret. */
function hmacKid(secret: string): string {
  return `hs-${createHash('sha256').update(`authura-kid:${secret}`).digest().subarray(0, 9).toString('base64url')}`;
}

/** HS256 with `current` signing and `previous` still verifying. */
async function hmacRing(current: string, previous: readonly string[]): Promise<KeyRing> {
  const keys = await Promise.all(
    [current, ...previous].map(async (secret) => {
      const raw = new TextEncoder().encode(secret);
      const key = await webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
      return { kid: hmacKid(secret), alg: 'HS256' as const, key, raw };
    }),
  );
  return { signer: keys[0] as RingKey, byKid: new Map(keys.map((k) => [k.kid, k])), publicJwks: [] };
}

const PRIVATE_JWK_FIELDS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * EdDSA (Ed25519) or RS256 from private keys given as PKCS#8 PEM or as JWK (JSON). The first
 * signs; all verify and are published. A key's `kid` is its JWK's, or its RFC 7638 thumbprint.
 */
async function asymmetricRing(alg: 'EdDSA' | 'RS256', privateKeys: readonly string[]): Promise<KeyRing> {
  const keys = await Promise.all(
    privateKeys.map(async (text, index) => {
      try {
        const given = text.trim().startsWith('{') ? (JSON.parse(text) as JWK) : undefined;
        const privateKey = (given ? await importJWK(given, alg, { extractable: true }) : await importPKCS8(text, alg, { extractable: true })) as CryptoKey;
        const jwk = await exportJWK(privateKey);
        const publicJwk: JWK = Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_JWK_FIELDS.includes(name)));
        const kid = given?.kid ?? (await calculateJwkThumbprint(publicJwk));
        const verifyKey = (await importJWK(publicJwk, alg)) as CryptoKey;
        return { signing: { kid, alg, key: privateKey } as RingKey, verifying: { kid, alg, key: verifyKey } as RingKey, jwk: { ...publicJwk, kid, alg, use: 'sig' } };
      } catch (error) {
        throw new Error(`JWT_PRIVATE_KEYS: key ${index + 1} is not a ${alg} private key (PKCS#8 PEM or JWK): ${(error as Error).message}`);
      }
    }),
  );
  const first = keys[0];
  if (!first) throw new Error('JWT_PRIVATE_KEYS: no key');
  return {
    signer: first.signing,
    byKid: new Map(keys.map((k) => [k.verifying.kid, k.verifying])),
    publicJwks: keys.map((k) => k.jwk),
  };
}

/** The keys of every token kind, each kind its own (several per kind while rotating). */
interface KeyRings {
  readonly access: KeyRing;
  readonly refresh: KeyRing;
  readonly verify: KeyRing;
}

/** Imports every key once; rejects with a clear message for a bad key. */
export async function loadKeyRings(settings: TokenSettings): Promise<KeyRings> {
  return {
    access:
      settings.algorithm === 'HS256'
        ? await hmacRing(settings.accessSecret, settings.previousSecrets.access)
        : await asymmetricRing(settings.algorithm, settings.privateKeys),
    refresh: await hmacRing(settings.refreshSecret, settings.previousSecrets.refresh),
    verify: await hmacRing(settings.verifySecret, settings.previousSecrets.verify),
  };
}

/** A fingerprint test against every secret of an HMAC ring (the current one and those being retired). */
export function anyRawKey(ring: KeyRing, test: (raw: Uint8Array) => boolean): boolean {
  return [...ring.byKid.values()].some((k) => k.raw !== undefined && test(k.raw));
}
