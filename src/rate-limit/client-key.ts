import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The requester a limit counts: an IPv4 address, or the IPv6 network of `ipv6Prefix` bits
 * around an IPv6 one (a host is usually given a whole /64 and could rotate through it for ever).
 * An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket reports) is its IPv4
 * address. Anything unparsable is counted as it is.
 */
export function clientKey(ip: string, ipv6Prefix: number): string {
  if (isIP(ip) !== 6) return ip;
  const v6 = ipaddr.IPv6.parse(ip);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  if (ipv6Prefix >= 128) return v6.toNormalizedString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${v6.toNormalizedString()}/${ipv6Prefix}`).toString()}/${ipv6Prefix}`;
}
