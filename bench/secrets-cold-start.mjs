// @ts-check
/**
 * `node bench/secrets-cold-start.mjs [--runs N]`: what each way of reading the api secrets of a deployed
 * stage costs a cold start, against the same function given its secrets in the environment (as the
 * local stage is). Every variant is the webhook as functions/webhook.ts wires it; only the reader differs:
 *
 *   env         DROAM_API_SECRETS in the environment, no reader
 *   powertools  the SSM client through Powertools Parameters (SSMProvider), the read started at cold start
 *   ssm-client  the SSM client's GetParameter alone, cached for the maximum age, the read started at cold start
 *   extension   the AWS Parameters and Secrets Lambda Extension over localhost (lib/api-secrets/from-settings.ts, extension.ts),
 *               no SDK client; read by the first request (the extension answers only during invocations)
 *
 * All are built with serverless.yml's esbuild options. Each sample is a fresh Node process that loads
 * the bundle (module load and cold-start code) and handles one signed pool event, publishing to SNS and
 * reading SSM (or the extension) on a stand-in HTTP server on 127.0.0.1, so the numbers hold everything
 * on this side of the network (SDK serialisation, signing, HTTP, parsing) but no AWS round trip, which
 * adds one SSM call (typically a few tens of ms inside a region): overlapping the rest of the cold start
 * for the SDK readers, on the first request for the extension. Samples rotate between the variants.
 * Prints a markdown table; never fails on a number.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import YAML from 'yaml';

const USAGE = `usage: node bench/secrets-cold-start.mjs [--runs N]

  Cold start of the webhook reading its api secrets from SSM (Powertools Parameters, the SSM client
  alone, or the Parameters and Secrets Lambda Extension) against the same function with the secrets
  in its environment: bundle size, zip size, module load, first response.
  --runs N     fresh processes per variant (default 20)
  -h, --help   this help`;

let flags;
try {
  flags = parseArgs({ options: { runs: { type: 'string', default: '20' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)} (see --help)\n`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('--runs takes a whole number of at least 1\n');
  process.exit(2);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'bench', '.build', 'secrets');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const SECRET = 'bench-secret-0f3a9c2e7b5d41a6';
const PARAMETER = '/droam-webhook-relay/bench/api-secrets';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:droam-webhook-relay-bench';

// ---------------------------------------------------------------- build

// The webhook as functions/webhook.ts wires it; each variant adds its reader of the api secrets.
/** @param {string} imports @param {string} reader */
const entry = (imports, reader) => `import { SNSClient } from '@aws-sdk/client-sns';
import { payloadTypes } from '${root}/lib/contract';
import { createLogger } from '${root}/lib/observability/logger';
import { createMetrics } from '${root}/lib/observability/metrics';
import { PUBLISH_DEADLINE_MS, QUARANTINE_DEADLINE_MS, SECRETS_RETRY_WITHOUT_VALUE_MS, snsClientOptions } from '${root}/lib/lambda/clients';
import { loadConfig } from '${root}/lib/relay/config';
import { createWebhookHandler } from '${root}/lib/relay/webhook';
import { snsPublisher } from '${root}/lib/topic/publish';
import { sqsQuarantine } from '${root}/lib/queues/quarantine';
import { storedApiSecrets } from '${root}/lib/api-secrets/store';
${imports}
const config = loadConfig(process.env);
const sns = new SNSClient(snsClientOptions());
const parameter = config.apiSecretsParameter;
const stored = (read) =>
  storedApiSecrets(read, { source: 'SSM parameter', local: false, retryAfterFailureMs: 10_000, retryWithoutValueMs: SECRETS_RETRY_WITHOUT_VALUE_MS, now: Date.now, random: Math.random });
${reader}
export const handler = createWebhookHandler({
  config,
  registry: payloadTypes,
  publish: snsPublisher(sns, config.topicArn, PUBLISH_DEADLINE_MS),
  apiSecrets,
  quarantine: config.quarantineQueueUrl === undefined ? undefined : sqsQuarantine(config.quarantineQueueUrl, QUARANTINE_DEADLINE_MS),
  now: Date.now,
  logger: createLogger('droam-webhook-relay'),
  metrics: createMetrics('droam-webhook-relay'),
});
`;

const READERS = {
  env: ['', 'const apiSecrets = undefined;'],
  powertools: [
    `import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AWS_CLIENT_OPTIONS } from '${root}/lib/lambda/clients';`,
    `const ssm = new SSMClient(AWS_CLIENT_OPTIONS);
class SecureStringProvider extends SSMProvider {
  async _get(name) {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (Parameter?.Type !== 'SecureString') throw new Error('not a SecureString');
    return Parameter.Value;
  }
}
const provider = new SecureStringProvider({ awsSdkV3Client: ssm });
const apiSecrets = stored(({ fresh }) => provider.get(parameter.name, { decrypt: true, maxAge: parameter.maxAgeSeconds, forceFetch: fresh }));
void apiSecrets();`,
  ],
  'ssm-client': [
    `import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AWS_CLIENT_OPTIONS } from '${root}/lib/lambda/clients';`,
    `const ssm = new SSMClient(AWS_CLIENT_OPTIONS);
let cached;
const apiSecrets = stored(async ({ fresh }) => {
  if (!fresh && cached !== undefined && Date.now() - cached.at < parameter.maxAgeSeconds * 1000) return cached.text;
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameter.name, WithDecryption: true }));
  if (Parameter?.Type !== 'SecureString') throw new Error('not a SecureString');
  cached = { text: Parameter.Value, at: Date.now() };
  return cached.text;
});
void apiSecrets();`,
  ],
  extension: [`import { apiSecretsFrom } from '${root}/lib/api-secrets/from-settings';`, `const { apiSecrets } = apiSecretsFrom(config);`],
};

const custom = /** @type {any} */ (YAML.parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' })).custom.esbuild;

/** @param {string} entry @param {string} name */
async function build(entry, name) {
  const outfile = path.join(work, `${name}.js`);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: custom.minify,
    sourcemap: false,
    target: custom.target,
    platform: 'node',
    format: custom.format,
    mainFields: custom.mainFields,
    external: custom.exclude,
    absWorkingDir: root,
    logLevel: 'error',
  });
  const bytes = statSync(outfile).size;
  // The deploy zip compresses at level 1 (serverless-esbuild's archiver): its size is close to this.
  return { outfile, bytes, zipBytes: deflateRawSync(readFileSync(outfile), { level: 1 }).length };
}

/** @type {Record<string, { outfile: string, bytes: number, zipBytes: number, env: Record<string, string> }>} */
const variants = {};
for (const [name, [imports, reader]] of Object.entries(READERS)) {
  const file = path.join(work, `webhook-${name}.ts`);
  writeFileSync(file, entry(imports ?? '', reader ?? ''));
  const env = name === 'env' ? { DROAM_API_SECRETS: SECRET } : { DROAM_API_SECRETS_PARAMETER: PARAMETER };
  variants[name] = { ...(await build(file, `webhook-${name}`)), env };
}

// ---------------------------------------------------------------- stand-in SNS and SSM

let ssmCalls = 0;
const server = createServer((request, response) => {
  const chunks = /** @type {Buffer[]} */ ([]);
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    // The extension answers GetParameter's output on localhost, to requests that carry the session token.
    if (request.url?.startsWith('/systemsmanager/parameters/get?') === true) {
      ssmCalls++;
      const authorised = request.headers['x-aws-parameters-secrets-token'] === 'benchmark-session-token';
      response.writeHead(authorised ? 200 : 401, { 'content-type': 'application/json' });
      response.end(authorised ? JSON.stringify({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: SECRET, Version: 1 } }) : '{}');
      return;
    }
    if (String(request.headers['x-amz-target'] ?? '') === 'AmazonSSM.GetParameter') {
      ssmCalls++;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: SECRET, Version: 1 } }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>5e1b0b7e-0000-4000-8000-000000000001</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>',
    );
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('the stand-in server has no port');
const { port } = address;
const endpoint = `http://127.0.0.1:${port}`;

// ---------------------------------------------------------------- samples

const sample = JSON.parse(readFileSync(path.join(root, 'events', 'pool-usage.json'), 'utf8'));
const home = mkdtempSync(path.join(tmpdir(), 'droam-secrets-bench-home-'));

// Runs in the fresh process: load the bundle, then answer one signed pool event.
const CHILD = `
const started = performance.now();
const { handler } = require(process.env.BUNDLE);
const loaded = performance.now();
const event = JSON.parse(process.env.EVENT);
const timestamp = String(Math.floor(Date.now() / 1000));
event.headers['x-api-timestamp'] = timestamp;
event.headers['x-api-hash'] = require('node:crypto').createHash('sha256').update(process.env.SIGNING_SECRET + ':' + timestamp).digest('hex');
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
handler(event).then((response) => {
  const answered = performance.now();
  write(JSON.stringify({ status: response.statusCode, loadMs: loaded - started, firstResponseMs: answered - started }) + '\\n');
});
`;

/** @param {keyof typeof variants} name @returns {Promise<{ status: number, loadMs: number, firstResponseMs: number }>} */
function coldStart(name) {
  const variant = variants[name];
  if (variant === undefined) throw new Error(`no variant ${name}`);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARK0000000',
    AWS_SECRET_ACCESS_KEY: 'benchmark/secret/access/key/000000000000',
    AWS_SESSION_TOKEN: 'benchmark-session-token',
    AWS_ENDPOINT_URL_SNS: endpoint,
    AWS_ENDPOINT_URL_SSM: endpoint,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
    AWS_LAMBDA_FUNCTION_NAME: 'droam-webhook-relay-bench-webhook',
    STAGE: 'bench',
    TOPIC_ARN,
    BUNDLE: variant.outfile,
    EVENT: JSON.stringify(sample),
    SIGNING_SECRET: SECRET,
    ...variant.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${name}: the child exited ${String(code)}`));
      else resolve(JSON.parse(line));
    });
  });
}

/** @type {Record<string, { loadMs: number[], firstResponseMs: number[], statuses: number[] }>} */
const results = Object.fromEntries(Object.keys(variants).map((name) => [name, { loadMs: [], firstResponseMs: [], statuses: [] }]));
const names = Object.keys(variants);
try {
  for (let i = 0; i < runs + 1; i++) {
    // Each round in another order, so that no variant always follows the same one.
    const order = names.map((_, k) => names[(k + i) % names.length] ?? 'env');
    for (const name of order) {
      const result = await coldStart(name);
      if (i === 0) continue; // the first round warms the file cache
      results[name]?.loadMs.push(result.loadMs);
      results[name]?.firstResponseMs.push(result.firstResponseMs);
      results[name]?.statuses.push(result.status);
    }
    if (i % 5 === 0) process.stderr.write(`\r${String(i)}/${String(runs)} rounds`);
  }
} finally {
  server.close();
  rmSync(home, { recursive: true, force: true });
}
process.stderr.write('\n');

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const ms = (/** @type {number} */ value) => value.toFixed(1);
const kb = (/** @type {number} */ value) => (value / 1024).toFixed(1);

const rows = names.map((name) => {
  const variant = variants[name];
  const result = results[name];
  return {
    name,
    bytes: variant?.bytes ?? NaN,
    zipBytes: variant?.zipBytes ?? NaN,
    load: median(result?.loadMs ?? []),
    first: median(result?.firstResponseMs ?? []),
    statuses: [...new Set(result?.statuses)],
  };
});
const env = rows[0];
if (env === undefined) throw new Error('no results');

console.log(`Node ${process.version}, ${String(runs)} cold starts per variant, medians; SSM read ${String(ssmCalls)} times`);
console.log('');
console.log('| variant | bundle KB | zip KB | module load ms | first response ms (from the start) | over env, ms | statuses |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${kb(row.bytes)} | ${kb(row.zipBytes)} | ${ms(row.load)} | ${ms(row.first)} | ${row === env ? '' : `+${ms(row.first - env.first)}`} | ${row.statuses.join(', ')} |`,
  );
}
