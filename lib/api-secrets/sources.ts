import { apiSecretProblems, parseApiSecrets } from './rules';
import { type ApiSecretsParameter, type ApiSecretsSettings, maxAgeSeconds, SSM_PARAMETER } from './settings';

/**
 * A stage's named dRoam sources: dRoam accounts besides the default one whose webhooks the stage
 * receives, each at a path of its own (`/webhooks/droam/<name>`) and signed with api secrets of its
 * own. Read from the environment once at cold start, as the default source's secrets are:
 *
 * - `DROAM_SOURCES`: the names, comma-separated (lower-case letters, digits and `-`, at most 32);
 * - `DROAM_SOURCE_API_SECRETS_PARAMETER` (deployed stages): the SSM SecureString holding each source's
 *   secrets, its name with `{source}` where the source's name goes;
 * - `DROAM_SOURCE_API_SECRETS` (local runs and tests): `name=secret[,secret];name=secret…`.
 */

export interface NamedSource extends ApiSecretsSettings {
  readonly name: string;
}

const SOURCE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const PLACEHOLDER = '{source}';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The named sources and what is wrong with them. `required` is false when the function authenticates nothing
 * (DROAM_AUTH=off); `defaultName` is the default source's name, which no other may take.
 */
export function readNamedSources(
  env: Env,
  options: { readonly local: boolean; readonly required: boolean; readonly defaultName: string },
): { sources: NamedSource[]; problems: string[] } {
  const names = (env.DROAM_SOURCES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const problems: string[] = [];
  for (const name of names) {
    if (!SOURCE_NAME.test(name)) problems.push(`DROAM_SOURCES: "${name}" is not a source name (lower-case letters, digits and -, at most 32)`);
    if (name === options.defaultName) problems.push(`DROAM_SOURCES: "${name}" names the stage's default source (/webhooks/droam); give the others`);
  }
  if (new Set(names).size !== names.length) problems.push('DROAM_SOURCES names a source twice');

  const fixed = parseFixedSecrets(env.DROAM_SOURCE_API_SECRETS ?? '', problems);
  for (const name of fixed.keys())
    if (!names.includes(name)) problems.push(`DROAM_SOURCE_API_SECRETS gives secrets for "${name}", which DROAM_SOURCES does not name`);
  const template = env.DROAM_SOURCE_API_SECRETS_PARAMETER?.trim() ?? '';
  if (template !== '' && !template.includes(PLACEHOLDER))
    problems.push(`DROAM_SOURCE_API_SECRETS_PARAMETER must hold ${PLACEHOLDER} where the source's name goes`);
  if (template !== '' && fixed.size > 0) problems.push('DROAM_SOURCE_API_SECRETS and DROAM_SOURCE_API_SECRETS_PARAMETER are exclusive');
  const age = maxAgeSeconds(env);
  if (template !== '' && names.length > 0) problems.push(...age.problems);

  const sources = names.map((name): NamedSource => {
    const apiSecrets = fixed.get(name) ?? [];
    const parameterName = template === '' ? undefined : template.replaceAll(PLACEHOLDER, name);
    const apiSecretsParameter: ApiSecretsParameter | undefined = parameterName === undefined ? undefined : { name: parameterName, maxAgeSeconds: age.seconds };
    if (parameterName !== undefined && !SSM_PARAMETER.test(parameterName)) problems.push(`source ${name}: not an SSM parameter name: "${parameterName}"`);
    if (options.required && apiSecrets.length === 0 && apiSecretsParameter === undefined) {
      problems.push(`source ${name} has no api secrets: DROAM_SOURCE_API_SECRETS_PARAMETER, or ${name}=… in DROAM_SOURCE_API_SECRETS`);
    }
    if (options.required) problems.push(...apiSecretProblems(apiSecrets, options.local, `DROAM_SOURCE_API_SECRETS for ${name}`));
    return { name, apiSecrets, apiSecretsParameter };
  });
  return { sources, problems };
}

/** `name=secret[,secret];…`; never echoes a secret in a problem. */
function parseFixedSecrets(text: string, problems: string[]): Map<string, string[]> {
  const fixed = new Map<string, string[]>();
  for (const entry of text.split(';').map((part) => part.trim())) {
    if (entry === '') continue;
    const at = entry.indexOf('=');
    const name = at === -1 ? '' : entry.slice(0, at).trim();
    if (name === '') {
      problems.push('DROAM_SOURCE_API_SECRETS: each entry is name=secret[,secret]');
      continue;
    }
    fixed.set(name, parseApiSecrets(entry.slice(at + 1)));
  }
  return fixed;
}
