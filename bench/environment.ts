/**
 * The contenders' environment: the function's as serverless.yml declares it for a deployed stage
 * (parameters at their defaults, what CloudFormation resolves filled in, this run's secret), plus
 * what the Lambda runtime sets, dummy credentials and an empty HOME. Nothing else from the shell.
 */
import { readServerless } from './build';

export function functionEnvironment(root: string, secret: string): Record<string, string> {
  const sls = readServerless(root) as {
    service?: string;
    params?: { default?: Record<string, unknown> };
    provider?: { environment?: Record<string, unknown> };
    functions?: Record<string, { handler?: string; environment?: Record<string, unknown> }>;
  };
  const params: Record<string, unknown> = {
    ...sls.params?.default,
    topicArn: 'arn:aws:sns:us-east-1:123456789012:droam-webhook-relay-bench',
    quarantineQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-webhook-relay-bench-quarantine',
    retryQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-webhook-relay-bench-publish-retry',
    // The secrets in the environment, as the local stage has them: what reading them from SSM adds
    // to a cold start is measured by bench/secrets-cold-start.mjs.
    apiSecrets: secret,
    apiSecretsParameter: '',
    sourceApiSecretsParameter: '',
  };
  const webhook = Object.values(sls.functions ?? {}).find((f) => f.handler === 'functions/webhook.handler');
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries({ ...sls.provider?.environment, ...webhook?.environment })) {
    let value = String(raw);
    for (let pass = 0; pass < 3; pass++) {
      value = value
        .replace(/\$\{param:(\w+)(?:,\s*'([^']*)')?\}/g, (_, key: string, fallback?: string) =>
          String((params[key] as string | number | boolean | undefined) ?? fallback ?? ''),
        )
        .replace(/\$\{self:service\}/g, String(sls.service));
      value = value.replace(/\$\{sls:stage\}/g, 'bench');
    }
    if (value.includes('${')) throw new Error(`serverless.yml: the bench cannot resolve ${name}=${String(raw)}`);
    env[name] = value;
  }
  return env;
}

export function lambdaEnvironment(home: string): Record<string, string> {
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
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'droam-webhook-relay-bench-webhook',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    // Powertools reports a cold start (log key, ColdStart metric) only in an environment initialised on demand.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
}
