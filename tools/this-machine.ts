/**
 * Whether a URL reaches this machine, asked of what its host resolves to rather
 * than of how it is spelled: `127.0.0.2`, `0.0.0.0`, `[::ffff:127.0.0.1]`,
 * `[::]`, `localhost.`, a name that resolves to a loopback address, and this
 * machine's own interface addresses all do.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';

/** The addresses that reach this machine; IPv4 rules also hold for the IPv4-mapped IPv6 form (`::ffff:a.b.c.d`). */
function thisMachine(): net.BlockList {
  const list = new net.BlockList();
  // Loopback, and "this network" (0.0.0.0 connects to this machine).
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('0.0.0.0', 8, 'ipv4');
  // `::` (unspecified), `::1` (loopback) and the IPv4-compatible `::a.b.c.d`.
  list.addSubnet('::', 96, 'ipv6');
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const { address, family } of addresses ?? []) list.addAddress(address.replace(/%.*$/, ''), family === 'IPv6' ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** RFC 6761: `localhost` and names under it are this machine, whatever DNS says. */
const LOCALHOST_NAME = /^(?:.+\.)?localhost\.?$/i;

export type Reach = { readonly thisMachine: boolean; readonly addresses: readonly string[] } | { readonly unresolved: string };

/** Where a URL's host leads: its addresses, and whether any of them is this machine. */
export async function reachOf(url: string): Promise<Reach> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (LOCALHOST_NAME.test(host)) return { thisMachine: true, addresses: [host] };
  let addresses: { address: string; family: number }[];
  if (net.isIP(host) !== 0) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, order: 'verbatim' });
    } catch (error) {
      return { unresolved: error instanceof Error ? error.message : String(error) };
    }
  }
  const local = thisMachine();
  return {
    thisMachine: addresses.some(({ address, family }) => local.check(address, family === 6 ? 'ipv6' : 'ipv4')),
    addresses: addresses.map(({ address }) => address),
  };
}
