/**
 * Sends requests the way dRoam does: a JSON body, Guzzle's user agent, and the
 * signature headers of lib/relay/signature.ts (the relay's own signer).
 */
import path from 'node:path';
import { signedHeaders, type SignOptions } from '../lib/relay/signature';
import { LOCAL_STAGE } from '../tools/local-stage';
import { parseCommandLine, type OptionSpecs } from './cli.mjs';

export { signedHeaders };

/** Where `npm start` serves the relay. */
export const LOCAL_URL = 'http://127.0.0.1:3000/webhooks/droam';

/** The api secret to sign with: DROAM_API_SECRET, else the local stage's secret, but only for a relay on this machine. */
export function defaultSecret(url: string): string {
  const fromEnv = process.env.DROAM_API_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' ? LOCAL_STAGE.apiSecret : '';
}

/** The header names given with `--timestamp-header` and `--hash-header`, as signing options. */
export function headerNames(values: { readonly 'timestamp-header'?: string | undefined; readonly 'hash-header'?: string | undefined }): SignOptions {
  return { timestampHeader: values['timestamp-header'], hashHeader: values['hash-header'] };
}

/** POSTs a body as dRoam would (Guzzle's user agent included) and returns status, headers and text. */
export async function post(
  url: string,
  body: string | Buffer,
  headers: Readonly<Record<string, string>>,
  timeoutMs = 30_000,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'GuzzleHttp/7', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/**
 * The flags of a script that has no usage text of its own, parsed by the
 * shared conventions of cli.mts: `--help` lists the flags and exits 0, a
 * mistake is one line on stderr and exit code 2.
 */
export function parseFlags(
  argv: readonly string[],
  spec: Readonly<Record<string, 'string' | 'boolean'>>,
): { flags: Record<string, string | boolean>; positional: string[] } {
  const script = path.relative(process.cwd(), process.argv[1] ?? 'script');
  const name = path.basename(script).replace(/\.[cm]?[jt]s$/, '');
  const options: OptionSpecs = Object.fromEntries(
    Object.entries(spec).map(([flag, type]) => [flag, { type, value: flag.toUpperCase().replace(/-/g, '_'), description: '' }]),
  );
  const { values, positionals } = parseCommandLine(
    {
      name,
      summary: `The flags of npm run ${name}; what they do is described at the top of ${script}.`,
      options,
      positionals: { min: 0, max: Number.POSITIVE_INFINITY },
    },
    argv,
  );
  const flags: Record<string, string | boolean> = {};
  for (const [flag, value] of Object.entries(values)) if (value !== undefined) flags[flag] = value;
  return { flags, positional: [...positionals] };
}
