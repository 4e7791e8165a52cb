// @ts-check
/**
 * End to end over HTTP, loopback only: fauxqs (the SNS/SQS emulator of scripts/emulator.mjs) and
 * serverless-offline serving every contender's already-built bundle — the very files measured
 * above — from a throw-away service directory, then a bounded autocannon run per contender.
 * Reported, not used for ratios: serverless-offline's own HTTP layer and worker threads dominate.
 *
 * The throw-away service keeps our serverless.yml's provider, parameters and offline settings and
 * swaps the functions for one per contender (prebuilt, so serverless-esbuild is not involved), on
 * free ports, with the `local` stage `npm start` uses (its documented secret is accepted only there).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import YAML from 'yaml';

/** @returns {Promise<number>} a free loopback port */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * @param {{
 *   root: string,
 *   contenders: { key: string, file: string, zipEntry: string }[],
 *   request: (nowSeconds: number) => { headers: Record<string, string>, body: string },
 *   seconds: number, warmupSeconds: number, connections: number,
 *   log: (line: string) => void,
 * }} options
 */
export async function endToEnd({ root, contenders, request, seconds, warmupSeconds, connections, log }) {
  const { startEmulator, topicArn: arnOf } = await import(path.join(root, 'scripts', 'emulator.mjs'));
  const emulator = await startEmulator(0);
  const dir = mkdtempSync(path.join(tmpdir(), 'droam-bench-offline-'));
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let offline;
  try {
    const topicName = 'droam-webhook-relay-local';
    emulator.server.createTopic(topicName);
    const quarantine = emulator.server.createQueue('droam-webhook-relay-local-quarantine');
    const httpPort = await freePort();
    const lambdaPort = await freePort();

    // The service: our serverless.yml with the functions replaced by the prebuilt contenders.
    const doc = YAML.parseDocument(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
    doc.set('plugins', ['serverless-offline']);
    doc.deleteIn(['custom', 'esbuild']);
    doc.setIn(['custom', 'serverless-offline', 'httpPort'], httpPort);
    doc.setIn(['custom', 'serverless-offline', 'lambdaPort'], lambdaPort);
    doc.setIn(['custom', 'serverless-offline', 'host'], '127.0.0.1');
    doc.delete('useDotenv');
    // Every contender gets the environment our function declares (provider-level settings stay where they are).
    const webhookName = Object.entries(/** @type {any} */ (doc.toJS()).functions ?? {}).find(
      ([, f]) => /** @type {any} */ (f)?.handler === 'functions/webhook.handler',
    )?.[0];
    const environment = webhookName === undefined ? undefined : doc.getIn(['functions', webhookName, 'environment']);
    /** @type {Record<string, unknown>} */
    const functions = {};
    for (const contender of contenders) {
      const target = path.join(dir, 'bundles', contender.key, contender.zipEntry);
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(contender.file, target);
      functions[contender.key] = {
        handler: `bundles/${contender.key}/${contender.zipEntry.replace(/\.js$/, '')}.handler`,
        ...(environment === undefined ? {} : { environment }),
        events: [{ httpApi: { method: 'POST', path: `/bench/${contender.key}` } }],
      };
    }
    doc.set('functions', doc.createNode(functions));
    writeFileSync(path.join(dir, 'serverless.yml'), doc.toString());
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'droam-bench-offline', private: true }));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));

    log(`  serverless-offline on 127.0.0.1:${httpPort}, fauxqs on ${emulator.endpoint}`);
    offline = spawn(path.join(root, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', 'local', '--noTimeout'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        LOCAL_TOPIC_ARN: arnOf(topicName),
        LOCAL_QUARANTINE_QUEUE_URL: quarantine.queueUrl,
        AWS_ENDPOINT_URL_SNS: emulator.endpoint,
        AWS_ENDPOINT_URL_SQS: emulator.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (/** @type {Buffer} */ chunk) => {
      if (output.length < 20_000) output += chunk.toString();
    };
    offline.stdout?.on('data', collect);
    offline.stderr?.on('data', collect);
    const started = Date.now();
    while (!output.includes('Server ready')) {
      if (offline.exitCode !== null || Date.now() - started > 60_000) throw new Error(`serverless-offline did not start:\n${output.slice(-3000)}`);
      await sleep(200);
    }

    /** @type {Record<string, unknown>} */
    const results = {};
    for (const contender of contenders) {
      const url = `http://127.0.0.1:${httpPort}/bench/${contender.key}`;
      const { headers, body } = request(Math.floor(Date.now() / 1000));
      const probe = await fetch(url, { method: 'POST', headers, body });
      const probeBody = await probe.text();
      if (probe.status !== 200) {
        results[contender.key] = { error: `first request answered ${probe.status}: ${probeBody.slice(0, 300)}` };
        log(`  ${contender.key}: ${probe.status} ${probeBody.slice(0, 200)}`);
        continue;
      }
      const options = { url, method: /** @type {const} */ ('POST'), headers, body, connections };
      await autocannon({ ...options, duration: warmupSeconds });
      const result = await autocannon({ ...options, duration: seconds });
      results[contender.key] = {
        requestsPerSecond: result.requests.average,
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        seconds,
        connections,
      };
      log(
        `  ${contender.key}: ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
      );
    }
    return results;
  } finally {
    if (offline && offline.exitCode === null) {
      const exited = new Promise((resolve) => offline?.once('exit', resolve));
      offline.kill('SIGINT');
      const timer = setTimeout(() => offline?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
