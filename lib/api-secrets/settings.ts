import { apiSecretProblems, parseApiSecrets } from './rules';

/**
 * Where a function finds dRoam's api secrets, read from its environment once
 * at cold start: the secrets themselves (local runs and tests), or the SSM
 * SecureString that holds them on a deployed stage, which changes without a
 * deploy and is read again once a value is `maxAgeSeconds` old.
 */

export interface ApiSecretsParameter {
  readonly name: string;
  /** How long a value read is used before it is read again: the longest a rotated secret waits to be picked up. */
  readonly maxAgeSeconds: number;
}

export interface ApiSecretsSettings {
  /** The api secrets given in the environment; empty when they come from SSM. */
  readonly apiSecrets: readonly string[];
  /** The SSM SecureString that holds the api secrets of a deployed stage. */
  readonly apiSecretsParameter: ApiSecretsParameter | undefined;
}

/** An SSM parameter name (a path of letters, digits and _.-) or its ARN. */
export const SSM_PARAMETER = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?\/?[A-Za-z0-9_.\-/]{1,2048}$/;
const DEFAULT_MAX_AGE_SECONDS = 300;
const MAX_MAX_AGE_SECONDS = 3_600;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * DROAM_API_SECRETS, or DROAM_API_SECRETS_PARAMETER with DROAM_API_SECRETS_MAX_AGE_SECONDS, and what is
 * wrong with them. `required` is false when the function authenticates nothing (DROAM_AUTH=off).
 */
export function readApiSecretsSettings(
  env: Env,
  options: { readonly local: boolean; readonly required: boolean },
): ApiSecretsSettings & { problems: string[] } {
  const problems: string[] = [];
  const apiSecrets = parseApiSecrets(env.DROAM_API_SECRETS ?? '');
  const parameterName = env.DROAM_API_SECRETS_PARAMETER?.trim() ?? '';
  let apiSecretsParameter: ApiSecretsParameter | undefined;
  if (parameterName !== '') {
    if (!SSM_PARAMETER.test(parameterName)) problems.push(`DROAM_API_SECRETS_PARAMETER is not an SSM parameter name or ARN: "${parameterName}"`);
    if (apiSecrets.length > 0)
      problems.push('DROAM_API_SECRETS and DROAM_API_SECRETS_PARAMETER are exclusive: give the secrets, or the SSM parameter that holds them');
    const age = maxAgeSeconds(env);
    problems.push(...age.problems);
    apiSecretsParameter = { name: parameterName, maxAgeSeconds: age.seconds };
  }
  if (options.required) {
    if (apiSecrets.length === 0 && apiSecretsParameter === undefined) {
      problems.push(
        'DROAM_API_SECRETS (comma-separated api secrets) or DROAM_API_SECRETS_PARAMETER (the SSM SecureString holding them) is required unless DROAM_AUTH=off',
      );
    }
    problems.push(...apiSecretProblems(apiSecrets, options.local, 'DROAM_API_SECRETS'));
  }
  return { apiSecrets, apiSecretsParameter, problems };
}

/** DROAM_API_SECRETS_MAX_AGE_SECONDS: how long a value read from SSM is used, for every source of the stage. */
export function maxAgeSeconds(env: Env): { readonly seconds: number; readonly problems: string[] } {
  const raw = env.DROAM_API_SECRETS_MAX_AGE_SECONDS?.trim() || String(DEFAULT_MAX_AGE_SECONDS);
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > MAX_MAX_AGE_SECONDS) {
    return { seconds, problems: [`DROAM_API_SECRETS_MAX_AGE_SECONDS must be a whole number of seconds from 1 to ${MAX_MAX_AGE_SECONDS}, not "${raw}"`] };
  }
  return { seconds, problems: [] };
}
