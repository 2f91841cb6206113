import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { BlockList, isIP } from 'node:net';

const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `::ffff:1.2.3.4` is 1.2.3.4. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/** Parses TRUSTED_PROXIES entries (IPs, CIDRs, `loopback`, `private`); returns problems. */
export function parseTrustedProxies(entries: readonly string[]): { list: BlockList; problems: string[] } {
  const list = new BlockList();
  const problems: string[] = [];
  for (const entry of entries.flatMap((e) => NAMED[e.toLowerCase()] ?? [e])) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || extra !== undefined) {
      problems.push(`"${entry}" is not an IP address or CIDR range`);
      continue;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address as string, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) problems.push(`"${entry}" has a bad prefix length`);
      else list.addSubnet(address as string, prefix, type);
    }
  }
  return { list, problems };
}

/**
 * The client's IP: the socket's peer, unless that peer is a trusted proxy. Then, with `hops`
 * (TRUSTED_PROXY_HOPS) the entry that many places from the right of X-Forwarded-For (the one the
 * outermost of your `hops` proxies saw); without, the chain is walked from the right, past
 * trusted proxies, to the first address nobody trusted vouches beyond — and when every entry is
 * trusted, the rightmost, never the leftmost, which the client itself wrote. With no trusted
 * proxies, forwarding headers are ignored.
 */
export function clientIpResolver(trusted: BlockList, hasTrusted: boolean, hops = 0): (c: Context) => string {
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
