import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import { ServerResponse } from 'node:http';
import type { AppEnv } from './context.js';

/** The security headers of every answer (HSTS added over https). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // JSON answers load nothing; /form sets its own, stricter-per-page policy.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  // Auth answers (tokens, user data) are never cached.
  'Cache-Control': 'no-store',
};

/** The request id a client or proxy sent, when it is short and plain enough to log and echo. */
const CLIENT_REQUEST_ID = /^[\w\-=]{1,64}$/;

/**
 * Names every request (`c.var.requestId`: the client's `X-Request-Id` when it is plain and at
 * most 64 characters, else a new UUID, echoed in the answer) and gives every answer the security
 * headers; HSTS when the gateway is served over https (EXTERNAL_URL). A route that sets one of
 * them itself (the CSP of /form, the caching of /docs) replaces it.
 *
 * Served by Node (@hono/node-server, as `npm start` runs it), these headers are put on Node's
 * response before the handler runs: Node merges them with the route's own headers (the route's
 * value wins) when the answer is written. Through `c.header`, every answer would carry a fetch
 * `Headers` object to validate, sort and copy (moving them here took a trivial answer behind the
 * middleware from 25.5k to 31.3k req/s: BENCHMARKS.md). Anywhere else (`app.request()`),
 * `c.header` does the same job.
 */
export function requestIdAndSecurityHeaders(options: { hsts: boolean }): MiddlewareHandler<AppEnv> {
  const fixed = Object.entries(options.hsts ? { ...SECURITY_HEADERS, 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : SECURITY_HEADERS);
  return async function headers(c, next) {
    const sent = c.req.header('x-request-id');
    const requestId = sent !== undefined && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
    c.set('requestId', requestId);
    const outgoing = nodeResponse(c);
    if (outgoing) {
      for (const [name, value] of fixed) outgoing.setHeader(name, value);
      outgoing.setHeader('X-Request-Id', requestId);
    } else {
      for (const [name, value] of fixed) c.header(name, value);
      c.header('X-Request-Id', requestId);
    }
    return next();
  };
}

/** Node's response object when @hono/node-server serves the request and nothing is sent yet. */
function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  return outgoing instanceof ServerResponse && !outgoing.headersSent ? outgoing : undefined;
}
