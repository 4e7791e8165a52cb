/**
 * Whether a URL reaches this machine (tools/this-machine.ts), asked of the
 * addresses its host resolves to: every spelling of a loopback, unspecified or
 * mapped address is this machine; a public address is not; a name that does
 * not resolve is reported as such. `npm run replay` refuses on these answers
 * (tests/integration/replay.test.ts runs it on a few).
 */
import os from 'node:os';
import { reachOf } from '../../tools/this-machine';

describe('a URL whose host is this machine, however it is spelled', () => {
  test.each([
    'http://127.0.0.1:3000/webhooks/droam',
    'http://127.0.0.2:3000/webhooks/droam',
    'http://[::ffff:127.0.0.1]:3000/webhooks/droam',
    'http://0.0.0.0:3000/webhooks/droam',
    'http://[::]:3000/webhooks/droam',
    'http://[::1]:3000/webhooks/droam',
    'http://2130706433:3000/webhooks/droam',
    'http://0x7f.1:3000/webhooks/droam',
    'http://localhost:3000/webhooks/droam',
    'http://localhost.:3000/webhooks/droam',
    'http://relay.localhost:3000/webhooks/droam',
    'http://sqs.us-east-1.localhost:4566/000000000000/q',
  ])('%s reaches this machine', async (url) => {
    await expect(reachOf(url)).resolves.toMatchObject({ thisMachine: true });
  });

  test("each of this machine's interface addresses reaches it", async () => {
    const own = Object.values(os.networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .filter(({ family, address }) => family === 'IPv4' || !address.includes('%'))
      .map(({ address, family }) => (family === 'IPv6' ? `http://[${address}]/` : `http://${address}/`));
    expect(own.length).toBeGreaterThan(0);
    for (const url of own) await expect(reachOf(url)).resolves.toMatchObject({ thisMachine: true });
  });
});

describe('a URL elsewhere', () => {
  test.each(['https://93.184.215.14/webhooks/droam', 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/webhooks/droam', 'http://128.0.0.1/'])(
    '%s does not reach this machine, and names its address',
    async (url) => {
      const reach = await reachOf(url);
      expect(reach).toEqual({ thisMachine: false, addresses: [new URL(url).hostname.replace(/^\[(.*)\]$/, '$1')] });
    },
  );

  test('a name that does not resolve is reported unresolved, never taken for elsewhere', async () => {
    const reach = await reachOf('https://relay.invalid/webhooks/droam');
    expect(reach).toEqual({ unresolved: expect.stringContaining('relay.invalid') as unknown });
  });
});
