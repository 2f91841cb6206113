import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { parseTrustedProxies } from '../config/proxies.js';
import type { Logger } from '../core/logger.js';
import type { AppEnv } from './context.js';

/** `::ffff:1.2.3.4` is 1.2.3.4. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/**
 * The client's IP: the socket's peer, unless that peer is a trusted proxy. Then, with `hops`
 * (TRUSTED_PROXY_HOPS) the entry that many places from the right of X-Forwarded-For (the one the
 * outermost of your `hops` proxies saw); without, the chain is walked from the right, past
 * trusted proxies, to the first address nobody trusted vouches beyond — and when every entry is
 * trusted, the rightmost, never the leftmost, which the client itself wrote. With no trusted
 * proxies, forwarding headers are ignored.
 */
function clientIpResolver(proxies: readonly string[], hops = 0): (c: Context) => string {
  const trusted = parseTrustedProxies(proxies).list;
  const hasTrusted = proxies.length > 0;
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  return (c) => {
    let peer: string;
    try {
      peer = normalise(getConnInfo(c).remote.address ?? '');
    } catch {
      peer = '';
    }
    if (!hasTrusted || !isTrusted(peer)) return peer || 'unknown';
    const chain = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((s) => normalise(s.trim()))
      .filter(Boolean);
    if (hops > 0) {
      // A shorter chain came through fewer proxies: its leftmost entry was still written by one.
      const hop = chain[Math.max(0, chain.length - hops)];
      return hop !== undefined && isIP(hop) !== 0 ? hop : peer;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = chain[i] as string;
      if (isIP(hop) === 0) return peer;
      if (!isTrusted(hop)) return hop;
    }
    return chain[chain.length - 1] ?? peer;
  };
}

/**
 * Sets `c.var.clientIp` for every request (see {@link clientIpResolver}). With no trusted
 * proxies, the first request that arrives with `X-Forwarded-For` is logged once: the gateway is
 * probably behind a proxy it was not told about, and every client then shares the proxy's
 * address — one per-IP limit and one backoff for all.
 */
export function resolveClientIp(proxies: readonly string[], hops: number, logger: Pick<Logger, 'warn'>): MiddlewareHandler<AppEnv> {
  const clientIp = clientIpResolver(proxies, hops);
  let warned = proxies.length > 0;
  return async function setClientIp(c, next) {
    const ip = clientIp(c);
    c.set('clientIp', ip);
    if (!warned && c.req.header('x-forwarded-for') !== undefined) {
      warned = true;
      logger.warn(
        'a request came with X-Forwarded-For, but TRUSTED_PROXIES is not set: the header is ignored and every client behind that proxy counts as its address for rate limits; set TRUSTED_PROXIES to the proxy (or ignore this if clients set the header themselves)',
        { peer: ip },
      );
    }
    return next();
  };
}
