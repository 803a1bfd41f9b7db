// Which network addresses outbound requests made for users (webhooks) may reach. Users choose
// the URL, so by default nothing inside the host's networks is reachable: loopback, private,
// link-local (cloud metadata at 169.254.169.254), CGNAT, unspecified, multicast, broadcast,
// reserved and documentation ranges, and IPv6 forms that carry one of those IPv4 addresses.
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** IPv4 ranges (ipaddr.js names) that are refused. Global unicast, AS112 and AMT are allowed. */
const blockedV4 = new Set<string>([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
]);

/** IPv6 ranges refused outright (before the embedded-IPv4 forms, which are checked as IPv4). */
const blockedV6 = new Set<string>([
  'unspecified',
  'linkLocal',
  'multicast',
  'loopback',
  'uniqueLocal',
  'reserved',
  'benchmarking',
  'teredo',
  'discard',
  'deprecatedSiteLocal',
]);

/** `::/8` (IPv4-compatible and other IETF-reserved addresses) holds nothing one may call. */
const reservedZeroPrefix: [IPv6, number] = [ipaddr.IPv6.parse('::'), 8];
const nat64Local: [IPv6, number] = [ipaddr.IPv6.parse('64:ff9b:1::'), 48];

function embeddedV4(addr: IPv6): IPv4 | undefined {
  const p = addr.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (addr.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
    case 'rfc6052': // 64:ff9b::a.b.c.d (NAT64; the local-use /48 is refused before)
      return v4(p[6] as number, p[7] as number);
    case '6to4': // 2002:AABB:CCDD::/48
      return v4(p[1] as number, p[2] as number);
    default:
      return undefined;
  }
}

/**
 * Why `address` (an IP literal, without brackets) may not be reached, or undefined if it may.
 * Anything that does not parse as an IP address is refused.
 */
export function blockedReason(address: string): string | undefined {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  let addr: IPv4 | IPv6;
  try {
    // Zone ids (fe80::1%eth0) only occur on link-local addresses, which are refused anyway.
    addr = ipaddr.parse(text.replace(/%.*$/, ''));
  } catch {
    return 'not an IP address';
  }
  if (addr.kind() === 'ipv4') {
    const range = (addr as IPv4).range();
    return blockedV4.has(range) ? `${range} address` : undefined;
  }
  const v6 = addr as IPv6;
  if (v6.match(nat64Local)) return 'local-use NAT64 address';
  const inner = embeddedV4(v6);
  if (inner) {
    const reason = blockedReason(inner.toString());
    return reason ? `${reason} (embedded in IPv6)` : undefined;
  }
  const range = v6.range();
  if (blockedV6.has(range)) return `${range} address`;
  if (v6.match(reservedZeroPrefix)) return 'reserved address';
  return undefined;
}

export function isBlockedAddress(address: string): boolean {
  return blockedReason(address) !== undefined;
}
