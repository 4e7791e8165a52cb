import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  AWS_CLIENT_OPTIONS,
  SECRETS_DEADLINE_MS,
  SECRETS_FIRST_READ_DEADLINE_MS,
  SECRETS_READ_MAX_ATTEMPTS,
  SECRETS_RETRY_AFTER_FAILURE_MS,
  SECRETS_RETRY_WITHOUT_VALUE_MS,
} from '../lambda/clients';
import { withDeadline } from '../lambda/deadline';
import type { ApiSecretsParameter, ApiSecretsSettings } from './settings';
import type { NamedSource } from './sources';
import { type ApiSecrets, fixedApiSecrets, storedApiSecrets, type StoredApiSecretsOptions } from './store';

export interface SsmApiSecretsOptions extends Pick<StoredApiSecretsOptions, 'local' | 'retryAfterFailureMs' | 'retryWithoutValueMs' | 'now' | 'random'> {
  /** Overall deadline of one read, retries included, when a good value is held. */
  readonly deadlineMs: number;
  /** The same when no good value is held yet: the instance's requests wait for it. */
  readonly firstReadDeadlineMs: number;
}

/**
 * Powertools' SSM provider (its cache and maximum age), reading a SecureString only: a String parameter
 * needs no key to write, so whoever may put-parameter could set one. The functions' roles may decrypt
 * with no key but the stage's (infra/shapes.js), so a SecureString under another key fails too.
 */
class SecureStringProvider extends SSMProvider {
  private abortSignal: AbortSignal | undefined;

  constructor(private readonly ssm: SSMClient) {
    super({ awsSdkV3Client: ssm });
  }

  /**
   * `get`, with the SDK call ended when `signal` aborts (a read past its deadline stops retrying). Powertools'
   * `get` calls `_get` before its first await, which takes the signal then: reads never share one.
   */
  getWithin(signal: AbortSignal, name: string, options: { readonly maxAge: number; readonly forceFetch: boolean }): Promise<string | undefined> {
    this.abortSignal = signal;
    try {
      return this.get(name, { decrypt: true, ...options });
    } finally {
      this.abortSignal = undefined;
    }
  }

  protected override async _get(name: string): Promise<string | undefined> {
    const { abortSignal } = this;
    const { Parameter } = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }), abortSignal === undefined ? {} : { abortSignal });
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
  const read = async ({ fresh, holding }: { readonly fresh: boolean; readonly holding: boolean }): Promise<string> => {
    const value = await withDeadline(holding ? options.deadlineMs : options.firstReadDeadlineMs, (signal) =>
      provider.getWithin(signal, parameter.name, { maxAge: parameter.maxAgeSeconds, forceFetch: fresh }),
    );
    if (typeof value !== 'string') throw new Error(`SSM answered no value for ${parameter.name}`);
    return value;
  };
  return storedApiSecrets(read, {
    source: `SSM parameter ${parameter.name}`,
    local: options.local,
    retryAfterFailureMs: options.retryAfterFailureMs,
    retryWithoutValueMs: options.retryWithoutValueMs,
    now: options.now,
    random: options.random,
  });
}

/**
 * A function's api secrets, as its settings say, for its default source and each named one: the
 * environment's, or a deployed stage's SSM parameters, whose first reads start now, during the cold
 * start, so the first request usually finds them (later reads happen once the maximum age passes).
 * `ssm` is the client reading them, for the caller to trace.
 */
export function apiSecretsFrom(
  settings: ApiSecretsSettings & { readonly local: boolean; readonly sources?: readonly NamedSource[] },
  options: { readonly readAtColdStart: boolean },
): { readonly apiSecrets: ApiSecrets; readonly sourceApiSecrets: ReadonlyMap<string, ApiSecrets>; readonly ssm?: SSMClient } {
  const named = settings.sources ?? [];
  const stored = [settings, ...named].some((source) => source.apiSecretsParameter !== undefined);
  // More attempts than other clients: a read of a new instance in a burst meets SSM's throttling, and the SDK's
  // back-off between attempts spreads the instances' reads; each read's deadline bounds them.
  const ssm = stored ? new SSMClient({ ...AWS_CLIENT_OPTIONS, maxAttempts: SECRETS_READ_MAX_ATTEMPTS }) : undefined;
  const of = (source: ApiSecretsSettings): ApiSecrets => {
    if (source.apiSecretsParameter === undefined || ssm === undefined) return fixedApiSecrets(source.apiSecrets);
    const apiSecrets = ssmApiSecrets(ssm, source.apiSecretsParameter, {
      local: settings.local,
      deadlineMs: SECRETS_DEADLINE_MS,
      firstReadDeadlineMs: SECRETS_FIRST_READ_DEADLINE_MS,
      retryAfterFailureMs: SECRETS_RETRY_AFTER_FAILURE_MS,
      retryWithoutValueMs: SECRETS_RETRY_WITHOUT_VALUE_MS,
      now: Date.now,
      random: Math.random,
    });
    if (options.readAtColdStart) void apiSecrets();
    return apiSecrets;
  };
  const sourceApiSecrets = new Map(named.map((source) => [source.name, of(source)]));
  return { apiSecrets: of(settings), sourceApiSecrets, ...(ssm === undefined ? {} : { ssm }) };
}
