/**
 * `npm run send`: signs a dRoam payload the dRoam way with the current time and
 * POSTs it (to the local stack of `npm start` by default), the file's bytes as
 * they are. A file from events/ is unwrapped to its body. With `--echo` it runs
 * dRoam's endpoint validation instead: an echo request whose answer must be the
 * same body.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { command, runCommand, UsageError } from './cli.mjs';
import { defaultSecret, headerNames, LOCAL_URL, post, signedHeaders } from './droam-client.mjs';

const spec = command({
  name: 'send',
  synopsis: ['[options] <payload.json | events/file.json>', '--echo [--url URL]'],
  summary:
    "Signs a dRoam payload with the current time and POSTs the file's bytes as they are (an API Gateway event from events/: its body); with --echo, checks the endpoint the way dRoam's validation does.",
  positionals: { min: 0, max: 1 },
  options: {
    url: { type: 'string', value: 'URL', description: `the relay's webhook URL (default: ${LOCAL_URL}, the relay of npm start)` },
    secret: {
      type: 'string',
      value: 'SECRET',
      description: "the api secret to sign with (default: DROAM_API_SECRET, or the local stage's secret for a local URL)",
    },
    'timestamp-header': { type: 'string', value: 'NAME', description: 'the timestamp header name (default: x-api-timestamp)' },
    'hash-header': { type: 'string', value: 'NAME', description: 'the hash header name (default: x-api-hash)' },
    echo: { type: 'boolean', description: "send an echo request and check the answer is the same body, as dRoam's endpoint validation does" },
  },
  notes: ['Exit status: 0 on a 2xx answer (or a valid echo), 1 otherwise, 2 on a usage error.'],
});

await runCommand(spec, async ({ values, positionals }) => {
  const url = values.url ?? LOCAL_URL;
  if (values.echo === true) {
    if (positionals.length > 0) throw new UsageError('--echo takes no file');
    // Letters, digits and colons, at most 50 characters: what dRoam documents for echo_data.
    const echoData = `echo:${randomBytes(12).toString('hex')}:${Math.floor(Date.now() / 1000)}`;
    const body = JSON.stringify({ type: 'echo', echo_data: echoData });
    const response = await post(url, body, {});
    const valid = response.status === 200 && response.text === body;
    console.log(`${response.status} ${response.text}`);
    console.log(valid ? 'echo: valid (same body returned)' : 'echo: INVALID (dRoam expects 200 and the same body)');
    return valid ? 0 : 1;
  }

  const file = positionals[0];
  if (file === undefined) throw new UsageError('give a payload file, or --echo');
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const secret = values.secret ?? defaultSecret(url);
  if (secret === '') throw new UsageError('give the api secret with --secret or DROAM_API_SECRET');
  const response = await post(url, bodyOf(readFileSync(file)), signedHeaders(secret, headerNames(values)));
  console.log(`${response.status} ${response.text}`);
  return response.status >= 200 && response.status < 300 ? 0 : 1;
});

/**
 * An API Gateway event from events/ carries the payload as its (maybe base64) body; any other file is
 * the payload, sent byte for byte as it is on disk (numbers such as `35.20` or `12345678901234567890`
 * keep their text, whatever the file holds, even what is not JSON).
 */
function bodyOf(file: Buffer): Buffer {
  let content: unknown;
  try {
    content = JSON.parse(file.toString('utf8'));
  } catch {
    return file;
  }
  if (typeof content === 'object' && content !== null && 'requestContext' in content && 'body' in content && typeof content.body === 'string') {
    return Buffer.from(content.body, 'isBase64Encoded' in content && content.isBase64Encoded === true ? 'base64' : 'utf8');
  }
  return file;
}
