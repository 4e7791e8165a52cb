/**
 * One cold start, in a fresh process forked by the harness with the AWS stub preloaded: require the
 * bundle (module load), then handle one event (first invocation), each timed. Nothing the bundle
 * needs is loaded before the clock starts. argv: <bundle> <event as JSON>
 */
import { createRequire } from 'node:module';

const [bundle = '', eventJson = '{}'] = process.argv.slice(2);
const event: unknown = JSON.parse(eventJson);
const context = {
  functionName: 'droam-webhook-relay-bench-webhook',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:droam-webhook-relay-bench-webhook',
  memoryLimitInMB: '512',
  awsRequestId: '00000000-0000-4000-8000-000000000001',
  getRemainingTimeInMillis: () => 10_000,
};

async function main(): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { handler } = createRequire(__filename)(bundle) as { handler: (event: unknown, context: unknown) => Promise<{ statusCode?: number }> };
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const response = await handler(event, context);
  const t2 = performance.now();
  const c2 = process.cpuUsage(c0);
  const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
  const result = { loadMs: t1 - t0, firstMs: t2 - t1, cpuMs: cpuMs(c2), cpuLoadMs: cpuMs(c1), status: response.statusCode };
  // The SDK's keep-alive agent would hold the process open; a Lambda sandbox is frozen instead.
  process.send?.(result, () => process.exit(0));
}

void main();
