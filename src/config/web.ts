import type { Env } from './env-schema.js';
import { parseTrustedProxies } from './proxies.js';
import type { Config, Report } from './types.js';

type WebSettings = Pick<Config, 'urls' | 'tenancy' | 'cors' | 'trustedProxies' | 'trustedProxyHops'>;

/** Where the gateway lives and who may talk to it: URLs and redirects, tenancy, CORS, proxies. */
export function parseWeb(env: Env, report: Report): WebSettings {
  const { external, verifyRedirect } = publicUrls(env, report);
  const allowedRedirectOrigins = [new URL(verifyRedirect).origin];
  for (const entry of env.ALLOWED_REDIRECT_ORIGINS) {
    const origin = originOf(entry);
    if (origin === undefined) report.problem('ALLOWED_REDIRECT_ORIGINS', `"${entry}" is not an http(s) origin`);
    else allowedRedirectOrigins.push(origin);
  }

  for (const message of parseTrustedProxies(env.TRUSTED_PROXIES).problems) report.problem('TRUSTED_PROXIES', message);
  if (env.TRUSTED_PROXIES.some((entry) => entry.toLowerCase() === 'private')) {
    report.warn(
      "TRUSTED_PROXIES includes \"private\": every host on a private network (10/8, 172.16/12, 192.168/16, fc00::/7) may then set X-Forwarded-For and choose its own client IP for rate limits; list your proxies' addresses instead",
    );
  }
  if (env.TRUSTED_PROXY_HOPS > 0 && env.TRUSTED_PROXIES.length === 0) {
    report.problem('TRUSTED_PROXY_HOPS', 'needs TRUSTED_PROXIES: X-Forwarded-For is believed only from a trusted proxy');
  }

  const corsOrigins: string[] = [];
  for (const entry of env.ALLOWED_ORIGINS.filter((o) => o !== '*')) {
    const origins = corsOriginsOf(entry);
    if (origins === undefined) report.problem('ALLOWED_ORIGINS', `"${entry}" is neither host:port nor an http(s) origin`);
    else corsOrigins.push(...origins);
  }
  if (report.production && env.ALLOWED_ORIGINS.includes('*')) report.problem('ALLOWED_ORIGINS', 'a wildcard origin is refused in production');

  return {
    urls: { verifyRedirect, external, allowedRedirectOrigins: [...new Set(allowedRedirectOrigins)] },
    tenancy: {
      enabled: env.MULTI_TENANT_ENABLED,
      tenantHeader: env.TENANT_ID_HEADER,
      hostHeader: env.HOST_HEADER,
      allowedHosts: env.ALLOWED_HOSTS.map((h) => h.toLowerCase()),
    },
    cors: { origins: [...new Set(corsOrigins)], any: env.ALLOWED_ORIGINS.includes('*') },
    trustedProxies: env.TRUSTED_PROXIES,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
  };
}

/**
 * Where the gateway is reached (EXTERNAL_URL: tokens' `iss`, cookies, OAuth callbacks) and where
 * mailed links lead (VERIFY_REDIRECT_URL). In production both must be set, https and not a local
 * address: a default would mail every user a link to localhost. In development, unset, they follow
 * PORT (`http://localhost:<PORT>`, and its `/form`).
 */
function publicUrls(env: Env, report: Report): { external: string; verifyRedirect: string } {
  const local = `http://localhost:${env.PORT === 0 ? 9000 : env.PORT}`;
  if (report.production) {
    for (const name of ['EXTERNAL_URL', 'VERIFY_REDIRECT_URL'] as const) {
      const value = env[name];
      if (value === undefined) report.problem(name, 'required in production: the public https URL (mailed links and token issuers must not point at localhost)');
      else if (new URL(value).protocol !== 'https:') report.problem(name, `must be https in production, got "${value}"`);
      else if (isLocal(new URL(value).hostname)) report.problem(name, `must be the public address in production, not "${new URL(value).hostname}"`);
    }
  }
  const external = (env.EXTERNAL_URL ?? local).replace(/\/+$/, '');
  return { external, verifyRedirect: env.VERIFY_REDIRECT_URL ?? `${external}/form` };
}

/** localhost, *.localhost, 127.0.0.0/8, ::1, 0.0.0.0. */
function isLocal(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
}

/**
 * An ALLOWED_ORIGINS entry as origins: a full origin as it is; the Authura README's
 * `host:port` form as its http and https origins.
 */
function corsOriginsOf(entry: string): string[] | undefined {
  if (/^https?:\/\//i.test(entry)) {
    const origin = originOf(entry);
    return origin === undefined ? undefined : [origin];
  }
  const http = originOf(`http://${entry}`);
  const https = originOf(`https://${entry}`);
  return http === undefined || https === undefined || new URL(`http://${entry}`).pathname !== '/' ? undefined : [http, https];
}

export function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
