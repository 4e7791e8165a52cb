import { request } from 'node:http';
import type { ApiSecretsParameter } from './settings';
import { type ApiSecrets, storedApiSecrets } from './store';

/**
 * A deployed stage's api secrets through the AWS Parameters and Secrets Lambda Extension, a Lambda layer
 * that answers SSM GetParameter on localhost with the function's own credentials: no SDK client in the
 * bundle. The stage turns the extension's own cache off (serverless.yml), so that a value is read from SSM
 * once its maximum age has passed here, as it was with the SDK; the extension answers only while the
 * function is invoked, never during its initialisation, so the first request reads.
 */

/** The extension's port unless PARAMETERS_SECRETS_EXTENSION_HTTP_PORT says otherwise. */
export const EXTENSION_DEFAULT_PORT = 2773;

export interface ExtensionOptions {
  /** `localhost` on Lambda; a stand-in's address in tests. */
  readonly host: string;
  readonly port: number;
  /** The function's AWS_SESSION_TOKEN: the extension answers only requests that carry it. */
  readonly sessionToken: string | undefined;
  /** Overall deadline of one read. */
  readonly deadlineMs: number;
}

export interface ExtensionApiSecretsOptions extends ExtensionOptions {
  readonly local: boolean;
  readonly retryAfterFailureMs: number;
  readonly now: () => number;
}

/** What the extension answers: GetParameter's output. */
interface GetParameterOutput {
  readonly Parameter?: { readonly Type?: unknown; readonly Value?: unknown };
}

/** The largest answer read: a parameter holds at most 8 KB, its metadata little more. */
const MAX_ANSWER_BYTES = 65_536;

/**
 * Reads a SecureString, decrypted, through the extension. A String parameter needs no key to write, so
 * whoever may put-parameter could set one: only a SecureString is taken. An error never holds the value.
 */
export function readSecureString(name: string, options: ExtensionOptions): Promise<string> {
  const path = `/systemsmanager/parameters/get?name=${encodeURIComponent(name)}&withDecryption=true`;
  return new Promise((resolve, reject) => {
    const settle = (value: () => string): void => {
      try {
        resolve(value());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const call = request(
      { host: options.host, port: options.port, path, method: 'GET', headers: { 'X-Aws-Parameters-Secrets-Token': options.sessionToken ?? '' } },
      (answer) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        answer.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) call.destroy(new Error(`the extension's answer for ${name} exceeds ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        answer.on('end', () => {
          // The extension's error answers name the SSM error (ParameterNotFound, AccessDenied…), never a value.
          const text = Buffer.concat(chunks).toString('utf8');
          if (answer.statusCode === 200) settle(() => valueOf(name, text));
          else reject(new Error(`the extension answered ${String(answer.statusCode)}: ${text.slice(0, 200)}`));
        });
        answer.on('error', reject);
      },
    );
    call.setTimeout(options.deadlineMs, () => call.destroy(new Error(`the extension did not answer within ${String(options.deadlineMs)} ms`)));
    call.on('error', reject);
    call.end();
  });
}

/** The SecureString's value in the extension's answer (GetParameter's output); throws when there is none. */
function valueOf(name: string, text: string): string {
  let output: GetParameterOutput;
  try {
    output = JSON.parse(text) as GetParameterOutput;
  } catch {
    throw new Error(`the extension's answer for ${name} is not JSON`);
  }
  const type = output.Parameter?.Type;
  if (type !== 'SecureString') throw new Error(`${name} is a ${typeof type === 'string' ? type : 'parameter without a type'}, not a SecureString`);
  const value = output.Parameter?.Value;
  if (typeof value !== 'string') throw new Error(`SSM answered no value for ${name}`);
  return value;
}

/**
 * The api secrets held in an SSM SecureString, read through the extension and kept for the parameter's
 * maximum age, so a value an operator puts is in use on every instance within that age, without a deploy.
 */
export function extensionApiSecrets(parameter: ApiSecretsParameter, options: ExtensionApiSecretsOptions): ApiSecrets {
  let cached: { readonly text: string; readonly readAt: number } | undefined;
  const read = async ({ fresh }: { readonly fresh: boolean }): Promise<string> => {
    if (!fresh && cached !== undefined && options.now() - cached.readAt < parameter.maxAgeSeconds * 1000) return cached.text;
    const text = await readSecureString(parameter.name, options);
    cached = { text, readAt: options.now() };
    return text;
  };
  return storedApiSecrets(read, {
    source: `SSM parameter ${parameter.name}`,
    local: options.local,
    retryAfterFailureMs: options.retryAfterFailureMs,
    now: options.now,
  });
}
