import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { parseTrustedProxies } from '../config/proxies.js';
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

/** Sets `c.var.clientIp` for every request (see {@link clientIpResolver}). */
export function resolveClientIp(proxies: readonly string[], hops: number): MiddlewareHandler<AppEnv> {
  const clientIp = clientIpResolver(proxies, hops);
  return async function setClientIp(c, next) {
    c.set('clientIp', clientIp(c));
    return next();
  };
}
