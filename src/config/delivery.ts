import type { Env } from './env-schema.js';
import type { DeliverySettings, Report } from './types.js';

/** TOKEN_DELIVERY and the token cookies' attributes. */
export function parseDelivery(env: Env, report: Report): DeliverySettings {
  const delivery = new Set(env.TOKEN_DELIVERY.length === 0 ? ['json'] : env.TOKEN_DELIVERY.map((d) => d.toLowerCase()));
  for (const name of delivery) {
    if (!['json', 'cookie', 'header'].includes(name)) report.problem('TOKEN_DELIVERY', `unknown delivery "${name}" (available: json, cookie, header)`);
  }
  if (!delivery.has('json') && !delivery.has('cookie')) {
    report.problem('TOKEN_DELIVERY', 'needs json or cookie: the header carries the access token only, and refresh tokens need a way to the client');
  }
  if (env.COOKIE_SAME_SITE === 'none' && !env.COOKIE_SECURE) report.problem('COOKIE_SAME_SITE', 'none needs COOKIE_SECURE=true (browsers refuse it otherwise)');
  if (report.production && !env.COOKIE_SECURE) report.problem('COOKIE_SECURE', 'refused in production: token cookies must never travel over plain http');
  return {
    json: delivery.has('json'),
    cookie: delivery.has('cookie'),
    header: delivery.has('header'),
    cookieDomain: env.COOKIE_DOMAIN,
    sameSite: env.COOKIE_SAME_SITE === 'none' ? 'None' : env.COOKIE_SAME_SITE === 'strict' ? 'Strict' : 'Lax',
    secure: env.COOKIE_SECURE,
  };
}
