import { BlockList, isIP } from 'node:net';

/** An allow-list of CIDR ranges for the request's source IP (dRoam publishes none; operators learn them). */
export interface SourceAllowList {
  readonly ranges: readonly string[];
  allows(ip: string | undefined): boolean;
}

/** Parses "203.0.113.0/24, 2001:db8::/32, 198.51.100.7"; returns the problems instead of throwing. */
export function parseSourceAllowList(value: string): { list: SourceAllowList; problems: string[] } {
  const blockList = new BlockList();
  const ranges: string[] = [];
  const problems: string[] = [];
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const [address = '', prefixText, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (
      family === 0 ||
      rest.length > 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > maxPrefix ||
      (prefixText !== undefined && !/^\d+$/.test(prefixText))
    ) {
      problems.push(`ALLOWED_SOURCE_CIDRS entry "${entry}" is not an IPv4 or IPv6 address or CIDR range`);
      continue;
    }
    blockList.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    ranges.push(entry);
  }
  return {
    list: {
      ranges,
      allows(ip) {
        if (ip === undefined) return false;
        const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
        const address = mapped ?? ip;
        const family = isIP(address);
        if (family === 0) return false;
        return blockList.check(address, family === 6 ? 'ipv6' : 'ipv4');
      },
    },
    problems,
  };
}
