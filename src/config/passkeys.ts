import type { Env } from './env-schema.js';
import type { Config, Report } from './types.js';
import { originOf } from './web.js';

/**
 * PASSKEYS_ENABLED and WEBAUTHN_*: the relying party (its id, a domain every ceremony origin is
 * on, and its name) and the app origins where ceremonies run — required in production; in
 * development EXTERNAL_URL's origin.
 */
export function parsePasskeys(env: Env, report: Report, external: string): Config['passkeys'] {
  const enabled = env.PASSKEYS_ENABLED;
  const externalUrl = new URL(external);
  const rpId = (env.WEBAUTHN_RP_ID ?? externalUrl.hostname).toLowerCase();
  const origins: string[] = [];
  for (const entry of env.WEBAUTHN_ORIGINS) {
    // An origin as browsers send it: scheme, host and port, nothing after.
    const origin = originOf(entry);
    if (origin === undefined || origin !== entry.replace(/\/+$/, '')) report.problem('WEBAUTHN_ORIGINS', `"${entry}" is not an http(s) origin (scheme, host and port only)`);
    else origins.push(origin);
  }
  if (enabled && origins.length === 0) {
    if (report.production) report.problem('WEBAUTHN_ORIGINS', 'required in production with PASSKEYS_ENABLED: the app origins where passkeys are registered and used');
    else origins.push(externalUrl.origin);
  }
  if (enabled) {
    // A single label (but localhost) is a public suffix or nothing: no browser lets a page use it.
    if (!/^[a-z0-9.-]+$/.test(rpId) || (!rpId.includes('.') && rpId !== 'localhost')) report.problem('WEBAUTHN_RP_ID', `"${rpId}" is not a domain a browser accepts as a relying party id`);
    for (const origin of origins) {
      const host = new URL(origin).hostname;
      if (host !== rpId && !host.endsWith(`.${rpId}`)) report.problem('WEBAUTHN_RP_ID', `must be ${host} or a parent domain of it (WEBAUTHN_ORIGINS has ${origin}); it is ${rpId}`);
    }
  }
  return { enabled, rpId, rpName: env.WEBAUTHN_RP_NAME, origins };
}
