import crypto from 'node:crypto';
import { authenticate, type AuthResult, type AuthSettings } from '../../lib/relay/authenticate';
import { droamHash } from '../../lib/relay/signature';
import { DOCUMENTED_HASH, DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP, TEST_SECRET } from '../support/unit/harness';

/** dRoam's scheme (its Authentication page): a timestamp header and a header with hex SHA-256 of `<secret>:<timestamp>`. */

const NOW = 1_790_000_000;
const OTHER_SECRET = 'rotated-in-secret-9b8a7c6d5e4f3a21';

const discovery = (overrides: Partial<AuthSettings> = {}): AuthSettings => ({
  apiSecrets: [TEST_SECRET],
  timestampHeader: undefined,
  hashHeader: undefined,
  maxSkewSeconds: 300,
  ...overrides,
});

const headers = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

const signedHeaders = (secret: string, timestamp: number, names = { timestamp: 'x-api-timestamp', hash: 'x-api-hash' }): Record<string, string> => ({
  [names.timestamp]: String(timestamp),
  [names.hash]: droamHash(secret, timestamp),
});

/** Headers a request through API Gateway carries besides dRoam's. */
const gatewayHeaders = {
  accept: '*/*',
  'content-length': '415',
  'content-type': 'application/json',
  host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
  'user-agent': 'GuzzleHttp/7',
  'x-amzn-trace-id': 'Root=1-65920080-3f1c2b4a5d6e7f8091a2b3c4',
  'x-forwarded-for': '203.0.113.10',
  'x-forwarded-port': '443',
  'x-forwarded-proto': 'https',
};

function failure(result: AuthResult): string {
  if (result.ok) throw new Error('expected authentication to fail');
  return result.reason;
}

describe("droamHash: dRoam's documented example", () => {
  test('secret 96f3…2c9d at 1704067200 gives the documented hash', () => {
    expect(droamHash(DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP)).toBe(DOCUMENTED_HASH);
  });

  test('the timestamp may be given as a string', () => {
    expect(droamHash(DOCUMENTED_SECRET, String(DOCUMENTED_TIMESTAMP))).toBe(DOCUMENTED_HASH);
  });

  test('it is lower-case hex of 64 characters, and depends on both secret and timestamp', () => {
    const hash = droamHash(TEST_SECRET, NOW);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(droamHash(TEST_SECRET, NOW + 1)).not.toBe(hash);
    expect(droamHash(OTHER_SECRET, NOW)).not.toBe(hash);
  });

  test('the documented request authenticates at the documented time', () => {
    const result = authenticate(
      headers({ 'x-droam-timestamp': String(DOCUMENTED_TIMESTAMP), 'x-droam-hash': DOCUMENTED_HASH }),
      DOCUMENTED_TIMESTAMP,
      discovery({ apiSecrets: [DOCUMENTED_SECRET] }),
    );
    expect(result).toEqual({ ok: true, timestampHeader: 'x-droam-timestamp', hashHeader: 'x-droam-hash' });
  });
});

describe('header discovery (names not pinned)', () => {
  test.each([
    ['x-api-timestamp', 'x-api-hash'],
    ['timestamp', 'hash'],
    ['x-droam-time', 'x-droam-signature'],
    ['x-ts', 'x-auth'],
    ['date-seconds', 'authorization-hash'],
  ])('finds the pair under %s / %s among the gateway headers and reports their names', (timestampName, hashName) => {
    const result = authenticate(
      headers({ ...gatewayHeaders, ...signedHeaders(TEST_SECRET, NOW, { timestamp: timestampName, hash: hashName }) }),
      NOW,
      discovery(),
    );
    expect(result).toEqual({ ok: true, timestampHeader: timestampName, hashHeader: hashName });
  });

  test('the order of the headers does not matter', () => {
    const result = authenticate(headers({ 'x-sig': droamHash(TEST_SECRET, NOW), ...gatewayHeaders, 'x-when': String(NOW) }), NOW, discovery());
    expect(result).toEqual({ ok: true, timestampHeader: 'x-when', hashHeader: 'x-sig' });
  });

  test('a decoy fresh timestamp and a decoy hash do not hide the real pair', () => {
    const result = authenticate(
      headers({
        'x-request-time': String(NOW - 1),
        'x-content-sha256': crypto.createHash('sha256').update('body').digest('hex'),
        'x-api-timestamp': String(NOW),
        'x-api-hash': droamHash(TEST_SECRET, NOW),
      }),
      NOW,
      discovery(),
    );
    expect(result).toEqual({ ok: true, timestampHeader: 'x-api-timestamp', hashHeader: 'x-api-hash' });
  });

  test('upper-case hex is accepted', () => {
    const result = authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-api-hash': droamHash(TEST_SECRET, NOW).toUpperCase() }), NOW, discovery());
    expect(result.ok).toBe(true);
  });

  test('mixed-case hex is accepted', () => {
    const mixed = droamHash(TEST_SECRET, NOW).replace(/[a-f]/g, (c, i: number) => (i % 2 === 0 ? c.toUpperCase() : c));
    expect(authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-api-hash': mixed }), NOW, discovery()).ok).toBe(true);
  });

  test('numeric gateway and proxy headers (content-length, ports, viewer data) do not hide the timestamp header', () => {
    // Real headers that CloudFront, a proxy or a tracing agent in front of API Gateway add; every value is a short
    // digit string, none of them is dRoam's timestamp.
    const numeric = {
      'content-length': '415',
      'x-forwarded-port': '443',
      'cloudfront-viewer-asn': '16509',
      'cloudfront-viewer-metro-code': '819',
      'cloudfront-viewer-postal-code': '98101',
      'max-forwards': '10',
      'x-b3-sampled': '1',
      'x-datadog-sampling-priority': '1',
      'x-envoy-attempt-count': '1',
    };
    const result = authenticate(headers({ ...numeric, ...signedHeaders(TEST_SECRET, NOW) }), NOW, discovery());
    expect(result).toEqual({ ok: true, timestampHeader: 'x-api-timestamp', hashHeader: 'x-api-hash' });
  });
});

describe('clock skew, both directions', () => {
  const at = (timestamp: number, maxSkewSeconds = 300): AuthResult =>
    authenticate(headers(signedHeaders(TEST_SECRET, timestamp)), NOW, discovery({ maxSkewSeconds }));

  test.each([
    ['exactly the maximum in the past', NOW - 300],
    ['exactly the maximum in the future', NOW + 300],
    ['now', NOW],
  ])('%s is accepted', (_label, timestamp) => {
    expect(at(timestamp).ok).toBe(true);
  });

  test.each([
    ['one second past the maximum in the past', NOW - 301],
    ['one second past the maximum in the future', NOW + 301],
    ['a year ago', NOW - 31_536_000],
    ['the epoch', 0],
  ])('%s is refused as outside the window', (_label, timestamp) => {
    expect(failure(at(timestamp))).toBe('timestamp_outside_window');
  });

  test('the window follows the configured skew', () => {
    expect(at(NOW - 30, 30).ok).toBe(true);
    expect(failure(at(NOW - 31, 30))).toBe('timestamp_outside_window');
    expect(at(NOW + 86_400, 86_400).ok).toBe(true);
  });

  test('a timestamp in milliseconds is not taken for seconds', () => {
    const ms = NOW * 1000;
    const result = authenticate(headers({ 'x-api-timestamp': String(ms), 'x-api-hash': droamHash(TEST_SECRET, ms) }), NOW, discovery());
    expect(result.ok).toBe(false);
  });

  test('a captured pair stops working once it leaves the window', () => {
    const captured = headers(signedHeaders(TEST_SECRET, NOW));
    expect(authenticate(captured, NOW + 300, discovery()).ok).toBe(true);
    expect(failure(authenticate(captured, NOW + 301, discovery()))).toBe('timestamp_outside_window');
  });
});

describe('secret rotation', () => {
  const rotation = discovery({ apiSecrets: [TEST_SECRET, OTHER_SECRET] });

  test.each([
    ['the first', TEST_SECRET],
    ['the second', OTHER_SECRET],
  ])('a request signed with %s of two active secrets is accepted', (_label, secret) => {
    expect(authenticate(headers(signedHeaders(secret, NOW)), NOW, rotation).ok).toBe(true);
  });

  test('a request signed with a retired secret is refused', () => {
    expect(failure(authenticate(headers(signedHeaders('retired-secret-0000000000000000', NOW)), NOW, rotation))).toBe('hash_mismatch');
  });

  test('the last of several secrets still works', () => {
    const secrets = Array.from({ length: 5 }, (_, i) => `secret-number-${String(i)}-abcdefghijkl`);
    const last = secrets.at(-1) ?? '';
    expect(authenticate(headers(signedHeaders(last, NOW)), NOW, discovery({ apiSecrets: secrets })).ok).toBe(true);
  });
});

describe('pinned header names', () => {
  const pinned = discovery({ timestampHeader: 'x-droam-timestamp', hashHeader: 'x-droam-hash' });

  test('the pinned pair is accepted', () => {
    const result = authenticate(
      headers({ ...gatewayHeaders, ...signedHeaders(TEST_SECRET, NOW, { timestamp: 'x-droam-timestamp', hash: 'x-droam-hash' }) }),
      NOW,
      pinned,
    );
    expect(result).toEqual({ ok: true, timestampHeader: 'x-droam-timestamp', hashHeader: 'x-droam-hash' });
  });

  test('a valid pair under other names is not used', () => {
    const result = authenticate(headers({ ...gatewayHeaders, ...signedHeaders(TEST_SECRET, NOW) }), NOW, pinned);
    expect(result.ok).toBe(false);
  });

  test('a valid hash under another name is not used with the pinned timestamp', () => {
    const result = authenticate(headers({ 'x-droam-timestamp': String(NOW), 'x-api-hash': droamHash(TEST_SECRET, NOW) }), NOW, pinned);
    expect(failure(result)).toBe('no_hash_header');
  });

  test('a fresh timestamp under another name is not used with the pinned hash', () => {
    const result = authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-droam-hash': droamHash(TEST_SECRET, NOW) }), NOW, pinned);
    expect(failure(result)).toBe('no_timestamp_header');
  });

  test('decoys under other names do not disturb the pinned pair', () => {
    const result = authenticate(
      headers({
        'x-api-timestamp': String(NOW - 5),
        'x-api-hash': droamHash('someone-else-entirely-000000000', NOW - 5),
        ...signedHeaders(TEST_SECRET, NOW, { timestamp: 'x-droam-timestamp', hash: 'x-droam-hash' }),
      }),
      NOW,
      pinned,
    );
    expect(result).toEqual({ ok: true, timestampHeader: 'x-droam-timestamp', hashHeader: 'x-droam-hash' });
  });

  test('the pinned timestamp must still be fresh', () => {
    const stale = NOW - 3600;
    const result = authenticate(headers(signedHeaders(TEST_SECRET, stale, { timestamp: 'x-droam-timestamp', hash: 'x-droam-hash' })), NOW, pinned);
    expect(failure(result)).toBe('timestamp_outside_window');
  });
});

describe('failures and their reasons', () => {
  test('no header at all: no_timestamp_header', () => {
    expect(failure(authenticate(new Map(), NOW, discovery()))).toBe('no_timestamp_header');
  });

  test('headers with no digit-only value: no_timestamp_header', () => {
    expect(failure(authenticate(headers({ accept: '*/*', 'x-api-hash': droamHash(TEST_SECRET, NOW) }), NOW, discovery()))).toBe('no_timestamp_header');
  });

  test('a stale timestamp: timestamp_outside_window, whatever the hash', () => {
    expect(failure(authenticate(headers(signedHeaders(TEST_SECRET, NOW - 1000)), NOW, discovery()))).toBe('timestamp_outside_window');
  });

  test('a fresh timestamp and no hash-shaped header: no_hash_header', () => {
    expect(failure(authenticate(headers({ 'x-api-timestamp': String(NOW) }), NOW, discovery()))).toBe('no_hash_header');
  });

  test.each([
    ['a hash of 63 characters', droamHash(TEST_SECRET, NOW).slice(1)],
    ['a hash with a sha256= prefix', `sha256=${droamHash(TEST_SECRET, NOW)}`],
    ['a base64 digest', Buffer.from(droamHash(TEST_SECRET, NOW), 'hex').toString('base64')],
  ])('%s is not a hash: no_hash_header', (_label, value) => {
    expect(failure(authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-api-hash': value }), NOW, discovery()))).toBe('no_hash_header');
  });

  test('the wrong secret: hash_mismatch', () => {
    expect(failure(authenticate(headers(signedHeaders('a-secret-dRoam-never-issued-us', NOW)), NOW, discovery()))).toBe('hash_mismatch');
  });

  test('the hash of another timestamp (a replayed hash with a fresh timestamp): hash_mismatch', () => {
    const result = authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-api-hash': droamHash(TEST_SECRET, NOW - 1000) }), NOW, discovery());
    expect(failure(result)).toBe('hash_mismatch');
  });

  test.each([
    ['an HMAC keyed with the secret', crypto.createHmac('sha256', TEST_SECRET).update(String(NOW)).digest('hex')],
    [
      'the parts reversed',
      crypto
        .createHash('sha256')
        .update(`${String(NOW)}:${TEST_SECRET}`)
        .digest('hex'),
    ],
    [
      'no colon',
      crypto
        .createHash('sha256')
        .update(`${TEST_SECRET}${String(NOW)}`)
        .digest('hex'),
    ],
    [
      'a trailing comma',
      crypto
        .createHash('sha256')
        .update(`${TEST_SECRET}:${String(NOW)},`)
        .digest('hex'),
    ],
  ])("%s is not dRoam's hash: hash_mismatch", (_label, hash) => {
    expect(failure(authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-api-hash': hash }), NOW, discovery()))).toBe('hash_mismatch');
  });

  test('no secrets configured: nothing authenticates', () => {
    expect(authenticate(headers(signedHeaders(TEST_SECRET, NOW)), NOW, discovery({ apiSecrets: [] })).ok).toBe(false);
  });
});

describe('one header cannot be both the timestamp and the hash', () => {
  test('a header repeated with the timestamp and then the hash (joined with a comma) does not authenticate', () => {
    const joined = `${String(NOW)},${droamHash(TEST_SECRET, NOW)}`;
    expect(authenticate(headers({ 'x-droam-auth': joined }), NOW, discovery()).ok).toBe(false);
  });

  test('a single header holding "timestamp:hash" does not authenticate', () => {
    expect(authenticate(headers({ 'x-droam-auth': `${String(NOW)}:${droamHash(TEST_SECRET, NOW)}` }), NOW, discovery()).ok).toBe(false);
  });

  test('when both pinned names are the same header, no value can serve as both', () => {
    const same = discovery({ timestampHeader: 'x-droam', hashHeader: 'x-droam' });
    expect(authenticate(headers({ 'x-droam': String(NOW), 'x-api-hash': droamHash(TEST_SECRET, NOW) }), NOW, same).ok).toBe(false);
    expect(authenticate(headers({ 'x-api-timestamp': String(NOW), 'x-droam': droamHash(TEST_SECRET, NOW) }), NOW, same).ok).toBe(false);
  });
});

describe('a flood of look-alike headers', () => {
  /** Counts SHA-256 computations during one authentication. */
  function hashesComputed(request: Map<string, string>, settings: AuthSettings): { result: AuthResult; hashes: number } {
    const spy = jest.spyOn(crypto, 'createHash');
    try {
      const result = authenticate(request, NOW, settings);
      return { result, hashes: spy.mock.calls.filter(([algorithm]) => algorithm === 'sha256').length };
    } finally {
      spy.mockRestore();
    }
  }

  function flood(size: number): Map<string, string> {
    const map = new Map<string, string>();
    for (let i = 0; i < size; i++) {
      map.set(`x-ts-${String(i)}`, String(NOW - (i % 300)));
      map.set(
        `x-hash-${String(i)}`,
        crypto
          .createHash('sha256')
          .update(`decoy-${String(i)}`)
          .digest('hex'),
      );
    }
    return map;
  }

  const settings = discovery({ apiSecrets: [TEST_SECRET, OTHER_SECRET] });

  test('is refused, and the hashing work does not grow with the number of headers', () => {
    const small = hashesComputed(flood(20), settings);
    const large = hashesComputed(flood(2000), settings);
    expect(failure(small.result)).toBe('hash_mismatch');
    expect(failure(large.result)).toBe('hash_mismatch');
    expect(large.hashes).toBe(small.hashes);
    // README: at most 8 candidate headers of each kind are tried, for each secret.
    expect(large.hashes).toBeLessThanOrEqual(8 * settings.apiSecrets.length);
  });

  test('a flood of 2000 headers is answered quickly', () => {
    const started = performance.now();
    authenticate(flood(2000), NOW, settings);
    expect(performance.now() - started).toBeLessThan(250);
  });
});
