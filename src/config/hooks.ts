import type { HookSettings } from '../hooks/hook-client.js';
import { isHeaderName } from './backend.js';
import type { Env } from './env-schema.js';
import { MIN_SECRET_BYTES } from './jwt.js';
import type { Report } from './types.js';

/** HOOK_*: the webhook, its authentication header and signing secret. */
export function parseHooks(env: Env, report: Report): HookSettings {
  if (env.HOOK_AUTH_HEADER_VALUE !== undefined && !isHeaderName(env.HOOK_AUTH_HEADER_KEY)) report.problem('HOOK_AUTH_HEADER_KEY', 'must be an HTTP header name');
  if (report.production && env.HOOK_URL !== undefined && env.HOOK_SIGNING_SECRET === undefined && env.HOOK_AUTH_HEADER_VALUE === undefined) {
    report.problem('HOOK_SIGNING_SECRET', 'required in production with HOOK_URL (or set HOOK_AUTH_HEADER_VALUE), so the receiver can tell calls are ours');
  }
  if (env.HOOK_SIGNING_SECRET !== undefined && Buffer.byteLength(env.HOOK_SIGNING_SECRET) < MIN_SECRET_BYTES) {
    if (report.production) report.problem('HOOK_SIGNING_SECRET', `too weak for production: use at least ${MIN_SECRET_BYTES} random bytes`);
    else report.warn(`HOOK_SIGNING_SECRET is shorter than ${MIN_SECRET_BYTES} bytes: a short key lets anyone who sees a signed call guess it and forge calls (refused in production)`);
  }
  if (env.HOOK_URL === undefined) return undefined;
  return {
    url: env.HOOK_URL,
    timeoutMs: env.HOOK_TIMEOUT,
    authHeader: env.HOOK_AUTH_HEADER_VALUE !== undefined ? { name: env.HOOK_AUTH_HEADER_KEY, value: env.HOOK_AUTH_HEADER_VALUE } : undefined,
    signingSecret: env.HOOK_SIGNING_SECRET,
  };
}
