import { MIN_SECRET_BYTES } from './jwt.js';
import type { Env } from './env-schema.js';
import type { Config, Report } from './types.js';

/** An admin key id: a name for the audit trail, never secret. */
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * ADMIN_PORT (off when unset), ADMIN_HOST, ADMIN_API_KEYS: `id:secret` pairs (comma-separated,
 * several for rotation), each secret at least 32 bytes — required whenever the port is on.
 */
export function parseAdmin(env: Env, report: Report): Config['admin'] {
  const keys: { id: string; secret: string }[] = [];
  for (const entry of env.ADMIN_API_KEYS) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const secret = at > 0 ? entry.slice(at + 1) : '';
    // Never the value in a message: it is a secret.
    if (!KEY_ID.test(id)) report.problem('ADMIN_API_KEYS', `each key is id:secret with an id of letters, digits or _ . - (key ${keys.length + 1} is not)`);
    else if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) report.problem('ADMIN_API_KEYS', `the secret of key "${id}" is shorter than ${MIN_SECRET_BYTES} bytes`);
    else if (keys.some((k) => k.id === id)) report.problem('ADMIN_API_KEYS', `key id "${id}" is given twice`);
    else keys.push({ id, secret });
  }
  const port = env.ADMIN_PORT;
  if (port !== undefined && env.ADMIN_API_KEYS.length === 0) report.problem('ADMIN_API_KEYS', 'required with ADMIN_PORT: id:secret pairs, each secret at least 32 bytes');
  if (port !== undefined && port !== 0 && port === env.PORT && env.ADMIN_HOST === env.HOST) report.problem('ADMIN_PORT', 'must differ from PORT: the admin API has a listener of its own');
  if (port !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(env.ADMIN_HOST)) {
    report.warn(`the admin API listens on ${env.ADMIN_HOST}, not only this machine: keep that port off the internet (a firewall, a private network)`);
  }
  return port === undefined ? undefined : { port, host: env.ADMIN_HOST, keys };
}
