import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DevSecrets {
  readonly access: string;
  readonly refresh: string;
  readonly verify: string;
}

/**
 * Development only: reads the JWT secrets kept in `path`, generating and saving them (mode 0600)
 * the first time, so tokens survive a restart without anyone configuring a secret.
 */
export function loadDevSecrets(path: string): DevSecrets {
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<DevSecrets>;
    if (typeof stored.access === 'string' && typeof stored.refresh === 'string' && typeof stored.verify === 'string') {
      return { access: stored.access, refresh: stored.refresh, verify: stored.verify };
    }
  }
  const fresh: DevSecrets = {
    access: randomBytes(32).toString('base64url'),
    refresh: randomBytes(32).toString('base64url'),
    verify: randomBytes(32).toString('base64url'),
  };
  writePrivate(path, fresh);
  return fresh;
}

/**
 * Development only: a private key for asymmetric access tokens (PKCS#8 PEM), generated the first
 * time and kept in `path` (mode 0600), one per algorithm.
 */
export function loadDevKey(path: string, alg: 'EdDSA' | 'RS256'): string {
  const stored: Record<string, string> = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  const existing = stored[alg];
  if (typeof existing === 'string') return existing;
  const { privateKey } =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  stored[alg] = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writePrivate(path, stored);
  return stored[alg] as string;
}

/**
 * Writes `value` as JSON into a file of mode 0600, also when the file existed with another mode
 * (`writeFileSync`'s mode applies only on creation): narrowed before the secret goes in.
 */
function writePrivate(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) chmodSync(path, 0o600);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}
