import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AWS_CLIENT_OPTIONS, SECRETS_DEADLINE_MS, SECRETS_RETRY_AFTER_FAILURE_MS } from '../lambda/clients';
import { withDeadline } from '../lambda/deadline';
import type { ApiSecretsParameter, ApiSecretsSettings } from './settings';
import { type ApiSecrets, fixedApiSecrets, storedApiSecrets } from './store';

export interface SsmApiSecretsOptions {
  readonly local: boolean;
  /** Overall deadline of one read, retries included. */
  readonly deadlineMs: number;
  readonly retryAfterFailureMs: number;
  readonly now: () => number;
}

/**
 * Powertools' SSM provider (its cache and maximum age), reading a SecureString only: a String parameter
 * needs no key to write, so whoever may put-parameter could set one. The functions' roles may decrypt
 * with no key but the stage's (infra/shapes.js), so a SecureString under another key fails too.
 */
class SecureStringProvider extends SSMProvider {
  constructor(private readonly ssm: SSMClient) {
    super({ awsSdkV3Client: ssm });
  }

  protected override async _get(name: string): Promise<string | undefined> {
    const { Parameter } = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (Parameter !== undefined && Parameter.Type !== 'SecureString') {
      throw new Error(`${name} is a ${Parameter.Type ?? 'parameter without a type'}, not a SecureString under the stage's key`);
    }
    return Parameter?.Value;
  }
}

/**
 * The api secrets of a deployed stage: an SSM SecureString read through
 * Powertools Parameters, decrypted by SSM with the stage's KMS key, and cached
 * for the parameter's maximum age, so a value an operator puts is in use on
 * every instance within that age, without a deploy.
 */
export function ssmApiSecrets(client: SSMClient, parameter: ApiSecretsParameter, options: SsmApiSecretsOptions): ApiSecrets {
  const provider = new SecureStringProvider(client);
  const read = async ({ fresh }: { readonly fresh: boolean }): Promise<string> => {
    const value = await withDeadline(options.deadlineMs, () =>
      provider.get(parameter.name, { decrypt: true, maxAge: parameter.maxAgeSeconds, forceFetch: fresh }),
    );
    if (typeof value !== 'string') throw new Error(`SSM answered no value for ${parameter.name}`);
    return value;
  };
  return storedApiSecrets(read, {
    source: `SSM parameter ${parameter.name}`,
    local: options.local,
    retryAfterFailureMs: options.retryAfterFailureMs,
    now: options.now,
  });
}

/**
 * A function's api secrets, as its settings say: the environment's, or a deployed stage's SSM parameter,
 * whose first read starts now, during the cold start, so the first request usually finds it (later reads
 * happen once the maximum age passes). `ssm` is the client reading it, for the caller to trace.
 */
export function apiSecretsFrom(
  settings: ApiSecretsSettings & { readonly local: boolean },
  options: { readonly readAtColdStart: boolean },
): { readonly apiSecrets: ApiSecrets; readonly ssm?: SSMClient } {
  if (settings.apiSecretsParameter === undefined) return { apiSecrets: fixedApiSecrets(settings.apiSecrets) };
  const ssm = new SSMClient(AWS_CLIENT_OPTIONS);
  const apiSecrets = ssmApiSecrets(ssm, settings.apiSecretsParameter, {
    local: settings.local,
    deadlineMs: SECRETS_DEADLINE_MS,
    retryAfterFailureMs: SECRETS_RETRY_AFTER_FAILURE_MS,
    now: Date.now,
  });
  if (options.readAtColdStart) void apiSecrets();
  return { apiSecrets, ssm };
}
