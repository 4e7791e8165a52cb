import {
  SECRETS_DEADLINE_MS,
  SECRETS_FIRST_READ_DEADLINE_MS,
  SECRETS_READ_BACK_OFF_BASE_MS,
  SECRETS_READ_MAX_ATTEMPTS,
  SECRETS_RETRY_AFTER_FAILURE_MS,
  SECRETS_RETRY_WITHOUT_VALUE_MS,
} from '../lambda/clients';
import { EXTENSION_DEFAULT_PORT, extensionApiSecrets } from './extension';
import type { ApiSecretsSettings } from './settings';
import type { NamedSource } from './sources';
import { type ApiSecrets, fixedApiSecrets } from './store';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A function's api secrets, as its settings say, for its default source and each named one: the
 * environment's, or a deployed stage's SSM SecureStrings read through the AWS Parameters and Secrets
 * Lambda Extension (lib/api-secrets/extension.ts), each on the first request that needs it, then once a
 * value is its maximum age old. The extension's port and the session token it asks for come from the
 * function's environment.
 */
export function apiSecretsFrom(
  settings: ApiSecretsSettings & { readonly local: boolean; readonly sources?: readonly NamedSource[] },
  env: Env = process.env,
): { readonly apiSecrets: ApiSecrets; readonly sourceApiSecrets: ReadonlyMap<string, ApiSecrets> } {
  const port = Number(env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? EXTENSION_DEFAULT_PORT);
  const of = (source: ApiSecretsSettings): ApiSecrets =>
    source.apiSecretsParameter === undefined
      ? fixedApiSecrets(source.apiSecrets)
      : extensionApiSecrets(source.apiSecretsParameter, {
          host: 'localhost',
          port: Number.isInteger(port) && port > 0 ? port : EXTENSION_DEFAULT_PORT,
          sessionToken: env.AWS_SESSION_TOKEN,
          deadlineMs: SECRETS_DEADLINE_MS,
          firstReadDeadlineMs: SECRETS_FIRST_READ_DEADLINE_MS,
          maxAttempts: SECRETS_READ_MAX_ATTEMPTS,
          backOffBaseMs: SECRETS_READ_BACK_OFF_BASE_MS,
          local: settings.local,
          retryAfterFailureMs: SECRETS_RETRY_AFTER_FAILURE_MS,
          retryWithoutValueMs: SECRETS_RETRY_WITHOUT_VALUE_MS,
          now: Date.now,
          random: Math.random,
        });
  const sourceApiSecrets = new Map((settings.sources ?? []).map((source) => [source.name, of(source)]));
  return { apiSecrets: of(settings), sourceApiSecrets };
}
