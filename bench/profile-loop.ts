/**
 * The loop `bench/profile.ts` runs under `node --cpu-prof`: loads the bundle, then invokes it with the
 * requests of one kind of the warm mix, one at a time, as many times to warm up as it then measures.
 * argv: <bundle> <repository root> <api secret> <kind> <n> <result file>. Writes the time per invocation and
 * the answers to the result file (stdout is the function's log).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { benchRequests, type Kind, lambdaContext } from './requests';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number } | undefined>;

const [bundle = '', root = '', secret = '', kind = 'pool', count = '1000', resultFile = ''] = process.argv.slice(2);
const n = Number(count);

async function main(): Promise<void> {
  const { handler } = createRequire(__filename)(bundle) as { handler: Handler };
  const requests = benchRequests(root, secret, Date.now()).filter((request) => request.kind === (kind as Kind));
  const statuses: Record<string, number> = {};
  let started = 0;
  for (let i = 0; i < 2 * n; i++) {
    if (i === n) started = performance.now();
    const request = requests[i % requests.length];
    if (request === undefined) throw new Error(`no request of kind ${kind}`);
    const response = await handler({ ...request.event, headers: { ...request.event.headers } }, lambdaContext(`profile-${i}`));
    const status = String(response?.statusCode ?? 'none');
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  writeFileSync(resultFile, JSON.stringify({ microsPerInvocation: ((performance.now() - started) * 1000) / n, statuses }));
  // The SDK's keep-alive sockets would hold the process open.
  process.exit(0);
}

void main();
