import type { Env } from './env-schema.js';
import type { Config, Report } from './types.js';

/** MFA_ENCRYPTION_KEY: 32 random bytes, base64 (`openssl rand -base64 32`). */
const KEY_BYTES = 32;

/** MFA_*: second factors (TOTP, recovery codes), off by default. */
export function parseMfa(env: Env, report: Report): Config['mfa'] {
  const enabled = env.MFA_ENABLED;
  const isKey = (value: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === KEY_BYTES;
  if (enabled && env.MFA_ENCRYPTION_KEY === undefined) {
    report.problem('MFA_ENCRYPTION_KEY', 'required with MFA_ENABLED: 32 random bytes, base64 (openssl rand -base64 32); it seals the TOTP secrets');
  }
  if (env.MFA_ENCRYPTION_KEY !== undefined && !isKey(env.MFA_ENCRYPTION_KEY)) report.problem('MFA_ENCRYPTION_KEY', 'must be 32 bytes, base64 (openssl rand -base64 32)');
  if (env.MFA_ENCRYPTION_KEY_PREVIOUS.some((key) => !isKey(key))) report.problem('MFA_ENCRYPTION_KEY_PREVIOUS', 'each key must be 32 bytes, base64');
  if (!enabled && env.MFA_REQUIRED_ROLES.length > 0) report.problem('MFA_REQUIRED_ROLES', 'needs MFA_ENABLED=true');
  return {
    enabled,
    encryptionKey: env.MFA_ENCRYPTION_KEY ?? '',
    previousKeys: env.MFA_ENCRYPTION_KEY_PREVIOUS,
    requiredRoles: env.MFA_REQUIRED_ROLES,
    issuer: env.MFA_TOTP_ISSUER,
    maxAttempts: env.MFA_MAX_ATTEMPTS,
    maxFailures: env.MFA_MAX_FAILURES,
  };
}
