// @ts-check
/**
 * One cold-start sample, in a fresh process (forked by the harness with the AWS stub preloaded):
 * require the bundle (module load), then handle one event (first invocation), timed separately.
 * Nothing the bundle needs is loaded before the clock starts.
 * argv: <bundle path> <event JSON>
 */
import { createRequire } from 'node:module';

const [bundle = '', eventJson = '{}'] = process.argv.slice(2);
const event = JSON.parse(eventJson);
const requireBundle = createRequire(import.meta.url);
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'droam-webhook-relay-bench-webhook',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:droam-webhook-relay-bench-webhook',
  memoryLimitInMB: '512',
  awsRequestId: '00000000-0000-4000-8000-000000000001',
  logGroupName: '/aws/lambda/droam-webhook-relay-bench-webhook',
  logStreamName: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
  getRemainingTimeInMillis: () => 10_000,
};

const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const { handler } = requireBundle(bundle);
const t1 = process.hrtime.bigint();
const c1 = process.cpuUsage();
const response = await handler(event, context);
const t2 = process.hrtime.bigint();
const c2 = process.cpuUsage();

const ms = (/** @type {bigint} */ ns) => Number(ns) / 1e6;
/** CPU time of the whole process (all threads, user + system) between two readings, in ms. */
const cpu = (/** @type {NodeJS.CpuUsage} */ a, /** @type {NodeJS.CpuUsage} */ b) => (b.user - a.user + b.system - a.system) / 1000;
const result = {
  loadMs: ms(t1 - t0),
  firstMs: ms(t2 - t1),
  cpuLoadMs: cpu(c0, c1),
  cpuFirstMs: cpu(c1, c2),
  status: response?.statusCode,
  rss: process.memoryUsage.rss(),
};
// The SDK's keep-alive agent would hold the process open; a Lambda sandbox is frozen instead.
if (process.send) process.send(result, () => process.exit(0));
else {
  console.error(JSON.stringify(result));
  process.exit(0);
}
