/**
 * `npm run audit` against a registry on 127.0.0.1 that answers npm's advisory request as the test
 * says: with a high advisory (the step fails, naming it), with none (it passes), or with 405 as a
 * registry without the service does (it says that nothing was checked, and passes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { childEnv, runScript, type Finished } from '../support/integration/processes';

type Answer = 'high' | 'none' | '405';

/** A registry with the advisory service (and the one package document npm then asks for) answering as the path says. */
function fakeRegistry(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const [, answer = '', ...rest] = (request.url ?? '').split('/');
      const route = `/${rest.join('/')}`;
      if (route === '/-/npm/v1/security/advisories/bulk') {
        if (answer === '405') {
          response.writeHead(405, { allow: 'GET,HEAD' }).end();
          return;
        }
        const advisory = {
          id: 1,
          url: 'https://advisories.example/1',
          title: 'Prototype pollution in the parser',
          severity: 'high',
          vulnerable_versions: '<99.0.0',
        };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer === 'high' ? { valibot: [advisory] } : {}));
        return;
      }
      if (route === '/valibot') {
        const manifest = { name: 'valibot', 'dist-tags': { latest: '1.5.0' }, versions: { '1.5.0': { name: 'valibot', version: '1.5.0' } } };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(manifest));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) =>
            server.close(() => {
              done();
            }),
          ),
      });
    });
  });
}

const results = new Map<Answer, Finished>();
let cache: string;

beforeAll(async () => {
  cache = mkdtempSync(path.join(os.tmpdir(), 'audit-cache-'));
  const registry = await fakeRegistry();
  try {
    await Promise.all(
      (['high', 'none', '405'] as const).map(async (answer) => {
        const env = childEnv({ npm_config_registry: `${registry.url}/${answer}/`, npm_config_cache: path.join(cache, answer) });
        results.set(answer, await runScript('scripts/audit.mts', [], { env, timeoutMs: 60_000 }));
      }),
    );
  } finally {
    await registry.close();
  }
}, 90_000);

afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
});

describe('npm run audit', () => {
  it('fails on a high advisory in a production dependency, naming the package and the advisory', () => {
    const { code, stdout } = results.get('high') ?? ({} as Finished);
    expect(code).toBe(1);
    expect(stdout).toContain('audit: production dependencies checked: critical 0, high 1');
    expect(stdout).toContain('high valibot: Prototype pollution in the parser https://advisories.example/1');
  });

  it('passes when the registry answers with no advisory', () => {
    const { code, stdout } = results.get('none') ?? ({} as Finished);
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'audit: production dependencies checked: critical 0, high 0, moderate 0, low 0\n' });
  });

  it('says plainly that nothing was checked, and why, when the registry does not answer the advisory request, and passes', () => {
    const { code, stdout } = results.get('405') ?? ({} as Finished);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^audit: NOT CHECKED: no production dependency was checked for advisories, because the registry did not answer npm's advisory request \(405 Method Not Allowed/,
    );
    expect(stdout).toContain('This is not a pass');
  });
});
