import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { type ApiSecrets, storedApiSecrets } from './api-secrets';
import type { ApiSecretsParameter } from './config';
import { withDeadline } from './deadline';

export interface SsmApiSecretsOptions {
  readonly local: boolean;
  /** Overall deadline of one read, retries included. */
  readonly deadlineMs: number;
  readonly retryAfterFailureMs: number;
  readonly now: () => number;
}

/**
 * The api secrets of a deployed stage: an SSM SecureString read through
 * Powertools Parameters, decrypted by SSM with the stage's KMS key, and cached
 * for the parameter's maximum age, so a value an operator puts is in use on
 * every instance within that age, without a deploy.
 */
export function ssmApiSecrets(client: SSMClient, parameter: ApiSecretsParameter, options: SsmApiSecretsOptions): ApiSecrets {
  const provider = new SSMProvider({ awsSdkV3Client: client });
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
