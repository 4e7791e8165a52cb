// @ts-check
/**
 * `npm run send -- [--url URL] [--secret S] [--hash-header H --timestamp-header T] <payload.json | events/file.json>`
 * signs a dRoam payload the dRoam way with the current time and POSTs it (to the local
 * stack of `npm start` by default). A file from events/ is unwrapped to its body.
 * `npm run send -- --echo [--url URL]` runs dRoam's endpoint validation: an echo request
 * whose answer must be the same body.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defaultSecret, LOCAL_URL, parseFlags, post, signedHeaders } from './droam-client.mjs';

const usage =
  'usage: npm run send -- [--url URL] [--secret S] [--hash-header H --timestamp-header T] <payload.json | events/file.json>\n       npm run send -- --echo [--url URL]';
let parsed;
try {
  parsed = parseFlags(process.argv.slice(2), { url: 'string', secret: 'string', 'hash-header': 'string', 'timestamp-header': 'string', echo: 'boolean' });
} catch (error) {
  console.error(`send: ${error instanceof Error ? error.message : error}\n${usage}`);
  process.exit(2);
}
const { flags, positional } = parsed;
const url = String(flags.url ?? LOCAL_URL);

if (flags.echo === true) {
  // Letters, digits and colons, at most 50 characters: what dRoam documents for echo_data.
  const echoData = `echo:${randomBytes(12).toString('hex')}:${Math.floor(Date.now() / 1000)}`;
  const body = JSON.stringify({ type: 'echo', echo_data: echoData });
  const response = await post(url, body, {});
  const valid = response.status === 200 && response.text === body;
  console.log(`${response.status} ${response.text}`);
  console.log(valid ? 'echo: valid (same body returned)' : 'echo: INVALID (dRoam expects 200 and the same body)');
  process.exit(valid ? 0 : 1);
}

const file = positional[0];
if (file === undefined) {
  console.error(usage);
  process.exit(2);
}
const secret = String(flags.secret ?? defaultSecret(url));
if (secret === '') {
  console.error('send: give the api secret with --secret or DROAM_API_SECRET');
  process.exit(2);
}
const content = JSON.parse(readFileSync(file, 'utf8'));
// An API Gateway event from events/ carries the payload as its (maybe base64) body.
const body =
  typeof content === 'object' && content !== null && typeof content.body === 'string' && 'requestContext' in content
    ? content.isBase64Encoded === true
      ? Buffer.from(content.body, 'base64').toString('utf8')
      : content.body
    : JSON.stringify(content);
const headers = signedHeaders(secret, {
  ...(typeof flags['timestamp-header'] === 'string' ? { timestampHeader: flags['timestamp-header'] } : {}),
  ...(typeof flags['hash-header'] === 'string' ? { hashHeader: flags['hash-header'] } : {}),
});
const response = await post(url, body, headers);
console.log(`${response.status} ${response.text}`);
process.exit(response.status >= 200 && response.status < 300 ? 0 : 1);
