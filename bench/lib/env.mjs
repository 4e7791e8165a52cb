// @ts-check
/**
 * The environment every contender runs with: the function's environment as serverless.yml declares
 * it for a deployed stage (parameters at their defaults), with benchmark values where the real one
 * is resolved by CloudFormation or SSM, plus what the Lambda runtime sets. Nothing is inherited from
 * the shell but PATH, so a developer's AWS profile or region cannot leak in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServerless } from './build.mjs';

export const BENCH_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:droam-webhook-relay-bench';
export const BENCH_QUARANTINE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-webhook-relay-bench-quarantine';
export const BENCH_RETRY_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-webhook-relay-bench-publish-retry';

/** Values for what serverless.yml leaves to CloudFormation (!Ref, SSM) in a deployed stage. */
const RESOLVED_AT_DEPLOY = {
  topicArn: BENCH_TOPIC_ARN,
  quarantineQueueUrl: BENCH_QUARANTINE_URL,
  retryQueueUrl: BENCH_RETRY_QUEUE_URL,
};

/**
 * @param {string} root
 * @param {string} secret the test secret for DROAM_API_SECRETS
 * @param {{ quarantine?: boolean }} [options]
 */
export function functionEnvironment(root, secret, options = {}) {
  const sls = readServerless(root);
  /** @type {Record<string, unknown>} */
  const params = { ...(sls.params?.default ?? {}), ...RESOLVED_AT_DEPLOY, apiSecrets: secret };
  /** @type {Record<string, string>} */
  const env = {};
  /** @type {string[]} */
  const unresolved = [];
  // As Serverless does: the provider's environment, then the function's own (the one whose handler is functions/webhook.handler).
  const fn = Object.values(sls.functions ?? {}).find((f) => /** @type {any} */ (f)?.handler === 'functions/webhook.handler');
  const declared = { ...(sls.provider?.environment ?? {}), .../** @type {any} */ (fn?.environment ?? {}) };
  for (const [name, raw] of Object.entries(declared)) {
    let value = String(raw);
    // Parameters may refer to other variables (`${self:service}-${sls:stage}`): a few passes.
    for (let pass = 0; pass < 3; pass++) {
      value = value.replace(/\$\{param:(\w+)\}/g, (_, key) => String(params[key] ?? ''));
      value = value.replace(/\$\{self:service\}/g, String(sls.service));
      value = value.replace(/\$\{sls:stage\}/g, 'bench');
    }
    if (value.includes('${')) {
      unresolved.push(name);
      continue;
    }
    env[name] = value;
  }
  if (options.quarantine === false) delete env.QUARANTINE_QUEUE_URL;
  return { env, unresolved };
}

/** What the Lambda runtime adds, with dummy credentials; HOME is empty so no ~/.aws file is read. */
export function lambdaEnvironment() {
  const home = mkdtempSync(path.join(tmpdir(), 'droam-bench-home-'));
  process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARK0000000',
    AWS_SECRET_ACCESS_KEY: 'benchmark/secret/access/key/000000000000',
    AWS_SESSION_TOKEN: 'benchmark-session-token',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: 'droam-webhook-relay-bench-webhook',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/droam-webhook-relay-bench-webhook',
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    // Lambda runs Node 22; the SDK's notice about this machine's Node 20 is not part of the work.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
