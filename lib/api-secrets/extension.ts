import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDeadline } from '../lambda/deadline';
import type { ApiSecretsParameter } from './settings';
import { type ApiSecrets, storedApiSecrets, type StoredApiSecretsOptions, type StoreRead } from './store';

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
}

export interface ExtensionApiSecretsOptions
  extends ExtensionOptions, Pick<StoredApiSecretsOptions, 'local' | 'retryAfterFailureMs' | 'retryWithoutValueMs' | 'now' | 'random'> {
  /** Overall deadline of one read, its attempts and back-offs included, when a good value is held. */
  readonly deadlineMs: number;
  /** The same when no good value is held yet: the instance's requests wait for it. */
  readonly firstReadDeadlineMs: number;
  /** Attempts per read after a throttled or failed answer, within the read's deadline. */
  readonly maxAttempts: number;
  /** The base of the back-off between attempts, after a throttled answer and after a failure of the service. */
  readonly backOffBaseMs: { readonly throttled: number; readonly failed: number };
}

/** What the extension answers: GetParameter's output. */
interface GetParameterOutput {
  readonly Parameter?: { readonly Type?: unknown; readonly Value?: unknown };
}

/** The largest answer read: a parameter holds at most 8 KB, its metadata little more. */
const MAX_ANSWER_BYTES = 65_536;

/**
 * SSM's refusals for its rate, as the extension passes them on (it answers SSM's error with an HTTP error
 * status, 400 for SSM's own 400s), and the extension's own when too many calls are in flight (429).
 */
const THROTTLED = /ThrottlingException|ThrottledException|TooManyRequestsException|Rate exceeded/;

/** An error answer from the extension. Its text names SSM's error (ParameterNotFound, AccessDenied…), never a value. */
export class ExtensionAnswerError extends Error {
  override readonly name = 'ExtensionAnswerError';
  /** SSM or the extension refused for its rate: asked again after a back-off. */
  readonly throttled: boolean;
  /** Worth another attempt within the same read: throttled, or a failure of the service (5xx). */
  readonly retryable: boolean;

  constructor(
    readonly status: number | undefined,
    text: string,
  ) {
    super(`the extension answered ${String(status)}: ${text.slice(0, 200)}`);
    this.throttled = status === 429 || THROTTLED.test(text);
    this.retryable = this.throttled || (status !== undefined && status >= 500);
  }
}

/**
 * Reads a SecureString, decrypted, through the extension, in one HTTP request that `signal` cancels. A
 * String parameter needs no key to write, so whoever may put-parameter could set one: only a SecureString
 * is taken. An error never holds the value.
 */
export function readSecureString(name: string, options: ExtensionOptions, signal: AbortSignal): Promise<string> {
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
      { host: options.host, port: options.port, path, method: 'GET', headers: { 'X-Aws-Parameters-Secrets-Token': options.sessionToken ?? '' }, signal },
      (answer) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        answer.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) call.destroy(new Error(`the extension's answer for ${name} exceeds ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (answer.statusCode === 200) settle(() => valueOf(name, text));
          else reject(new ExtensionAnswerError(answer.statusCode, text));
        });
        answer.on('error', reject);
      },
    );
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
 * One read, as the AWS SDK would make it: a throttled or failed (5xx) answer is asked again after a back-off
 * drawn from 0 up to the base times 2 to the power of the attempts so far, while attempts and `deadlineMs`
 * allow; an attempt whose back-off would end past the deadline is not made, and the last answer is the error.
 */
async function readWithRetries(name: string, options: ExtensionApiSecretsOptions, deadlineMs: number, signal: AbortSignal): Promise<string> {
  const started = performance.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readSecureString(name, options, signal);
    } catch (error) {
      if (!(error instanceof ExtensionAnswerError) || !error.retryable || attempt >= options.maxAttempts) throw error;
      const base = error.throttled ? options.backOffBaseMs.throttled : options.backOffBaseMs.failed;
      const backOff = options.random() * base * 2 ** (attempt - 1);
      if (performance.now() - started + backOff >= deadlineMs) throw error;
      await sleep(backOff, undefined, { signal });
    }
  }
}

/**
 * The api secrets held in an SSM SecureString, read through the extension and kept for the parameter's
 * maximum age, so a value an operator puts is in use on every instance within that age, without a deploy.
 * A read ends at its deadline, its HTTP request to the extension with it: the first one's when no good
 * value is held yet, the shorter one's when it is.
 */
export function extensionApiSecrets(parameter: ApiSecretsParameter, options: ExtensionApiSecretsOptions): ApiSecrets {
  let cached: { readonly text: string; readonly readAt: number } | undefined;
  const read = async ({ fresh, holding }: StoreRead): Promise<string> => {
    if (!fresh && cached !== undefined && options.now() - cached.readAt < parameter.maxAgeSeconds * 1000) return cached.text;
    const deadlineMs = holding ? options.deadlineMs : options.firstReadDeadlineMs;
    const text = await withDeadline(deadlineMs, (signal) => readWithRetries(parameter.name, options, deadlineMs, signal));
    cached = { text, readAt: options.now() };
    return text;
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
