import type { TokenSettings } from '../tokens/settings.js';
import type { Env } from './env-schema.js';
import type { Report } from './types.js';

/** Secrets and keys shorter than this are refused in production. */
export const MIN_SECRET_BYTES = 32;

const SECRET_NAMES = ['JWT_SECRET', 'JWT_REFRESH_SECRET', 'JWT_VERIFY_SECRET'] as const;
type SecretName = (typeof SECRET_NAMES)[number];

/** The token settings, with what development may still have to generate (the orchestrator does the I/O). */
interface JwtDraft {
  readonly secrets: Readonly<Partial<Record<SecretName, string>>>;
  /** Secrets to generate into JWT_SECRETS_FILE (development only). */
  readonly missingSecrets: readonly SecretName[];
  /** EdDSA/RS256 without JWT_PRIVATE_KEYS in development: one key is generated into JWT_KEYS_FILE. */
  readonly generateKey: boolean;
  readonly privateKeys: readonly string[];
  readonly settings: Omit<TokenSettings, 'accessSecret' | 'refreshSecret' | 'verifySecret' | 'privateKeys' | 'issuer'>;
}

/**
 * JWT_*: secrets (configured, or — development only — generated once), asymmetric keys, previous
 * secrets for rotation, lifetimes and audience. In production every current and previous secret
 * must have {@link MIN_SECRET_BYTES} bytes and differ from every other one.
 */
export function parseJwt(env: Env, report: Report, options: { canGenerate: boolean }): JwtDraft {
  const secrets: Partial<Record<SecretName, string>> = { JWT_SECRET: env.JWT_SECRET, JWT_REFRESH_SECRET: env.JWT_REFRESH_SECRET, JWT_VERIFY_SECRET: env.JWT_VERIFY_SECRET };
  const missing = SECRET_NAMES.filter((name) => secrets[name] === undefined);
  if (!options.canGenerate) for (const name of missing) report.problem(name, `required (a random string of at least ${MIN_SECRET_BYTES} bytes)`);
  if (report.production) checkProductionSecrets(env, secrets, report);

  let privateKeys: string[] = [];
  let generateKey = false;
  if (env.JWT_ALGORITHM !== 'HS256') {
    if (env.JWT_PRIVATE_KEYS !== undefined) {
      privateKeys = splitPrivateKeys(env.JWT_PRIVATE_KEYS);
      if (privateKeys.length === 0) report.problem('JWT_PRIVATE_KEYS', 'no PEM or JWK private key found');
    } else if (!options.canGenerate) {
      report.problem('JWT_PRIVATE_KEYS', `required with JWT_ALGORITHM=${env.JWT_ALGORITHM} (PKCS#8 PEM or JWK, several for rotation)`);
    } else generateKey = true;
  }
  if (env.JWT_AUDIENCE?.includes('{tenant}') && !env.MULTI_TENANT_ENABLED) report.problem('JWT_AUDIENCE', '{tenant} needs MULTI_TENANT_ENABLED=true');
  return {
    secrets,
    missingSecrets: options.canGenerate ? missing : [],
    generateKey,
    privateKeys,
    settings: {
      accessTtl: env.JWT_EXPIRATION,
      refreshTtl: env.JWT_REFRESH_EXPIRATION,
      verifyTtl: env.JWT_VERIFY_EXPIRATION,
      revertTtl: env.EMAIL_REVERT_EXPIRATION,
      deviceTtl: env.LOGIN_DEVICE_EXPIRATION,
      algorithm: env.JWT_ALGORITHM,
      previousSecrets: { access: env.JWT_SECRET_PREVIOUS, refresh: env.JWT_REFRESH_SECRET_PREVIOUS, verify: env.JWT_VERIFY_SECRET_PREVIOUS },
      audience: env.JWT_AUDIENCE,
      impersonationTtl: Math.min(env.IMPERSONATION_EXPIRATION, env.JWT_EXPIRATION),
    },
  };
}

function checkProductionSecrets(env: Env, secrets: Partial<Record<SecretName, string>>, report: Report): void {
  for (const name of SECRET_NAMES) {
    const value = secrets[name];
    if (value !== undefined && Buffer.byteLength(value) < MIN_SECRET_BYTES) {
      report.problem(name, `too weak for production: use at least ${MIN_SECRET_BYTES} random bytes`);
    }
  }
  const values = SECRET_NAMES.map((name) => secrets[name]).filter((v) => v !== undefined);
  if (new Set(values).size !== values.length) {
    report.problem('JWT_REFRESH_SECRET', 'JWT_SECRET, JWT_REFRESH_SECRET and JWT_VERIFY_SECRET must all differ in production');
  }
  // A retired secret still verifies: a weak or shared one forges tokens as well as a current one.
  const seen = new Set(values);
  const previous = { JWT_SECRET_PREVIOUS: env.JWT_SECRET_PREVIOUS, JWT_REFRESH_SECRET_PREVIOUS: env.JWT_REFRESH_SECRET_PREVIOUS, JWT_VERIFY_SECRET_PREVIOUS: env.JWT_VERIFY_SECRET_PREVIOUS };
  const ends = 'dropping it ends the sessions and links signed with it';
  for (const [name, list] of Object.entries(previous)) {
    for (const [i, value] of list.entries()) {
      if (Buffer.byteLength(value) < MIN_SECRET_BYTES) {
        report.problem(name, `entry ${i + 1} is too weak for production (at least ${MIN_SECRET_BYTES} bytes: a retired secret still verifies tokens, so a weak one lets anyone forge them); ${ends}`);
      } else if (seen.has(value)) {
        report.problem(name, `entry ${i + 1} repeats another secret (every current and previous secret must differ in production); ${ends}`);
      }
      seen.add(value);
    }
  }
}

/**
 * JWT_PRIVATE_KEYS: a JSON array of JWKs or PEM strings, one JWK, or PEM blocks one after the
 * other (`\n` escapes allowed, for environments that cannot hold newlines).
 */
function splitPrivateKeys(text: string): string[] {
  const value = text.trim();
  try {
    if (value.startsWith('[')) {
      const items = JSON.parse(value) as unknown[];
      return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
    }
    if (value.startsWith('{')) return [JSON.stringify(JSON.parse(value))];
  } catch {
    return [];
  }
  return value.replace(/\\n/g, '\n').match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}
