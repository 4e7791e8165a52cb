// @ts-check
/**
 * Writes the sample events in events/: realistic API Gateway events around
 * dRoam payloads, signed the way dRoam signs (SHA-256 of "<secret>:<timestamp>")
 * with the secret and timestamp of dRoam's own documentation example, which
 * the `local` stage accepts. Run `npm run events` after changing a sample.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'events');

export const DOCUMENTED_SECRET = '96f3fbc76a921307f1c90d42a2203c9d';
export const DOCUMENTED_TIMESTAMP = 1704067200;
const sign = (/** @type {string} */ secret, /** @type {number} */ ts) => createHash('sha256').update(`${secret}:${ts}`).digest('hex');

/** Header names dRoam uses are undocumented; the relay finds them. These are placeholders. */
const authHeaders = (ts = DOCUMENTED_TIMESTAMP, hash = sign(DOCUMENTED_SECRET, ts)) => ({ 'x-api-timestamp': String(ts), 'x-api-hash': hash });

const vendorExample = {
  type: 'rule.pool.usage.triggered',
  data: {
    rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' },
    pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: '51200' },
  },
  created_at: { unix_timestamp: '1711929600', human_time: '17:25:11', human_date: '2024-06-12', timezone: 'UTC' },
};

const typical = {
  type: 'rule.pool.usage.triggered',
  data: {
    rule: { uuid: '5f0c2a4e-8d1b-4c3a-9e7f-2b6d8a1c4e90', name: 'EU trackers 80 GB', description: 'Push API notification when pool usage reaches 80 GB' },
    pool: { uuid: '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14', name: 'EU fleet trackers', current_usage_kb: 83886080 },
  },
  created_at: { unix_timestamp: 1704067200, human_time: '00:00:00', human_date: '2024-01-01', timezone: 'UTC' },
};

const withoutUsage = structuredClone(typical);
delete (/** @type {any} */ (withoutUsage.data.pool)).current_usage_kb;

const companyUpdated = {
  type: 'company.updated',
  data: { company: { uuid: 'ff472de7-59b2-425d-96ec-9d1ff4bab684', name: 'Example Company', currency_code: 'EUR' } },
  created_at: { unix_timestamp: 1704067200, human_time: '00:00:00', human_date: '2024-01-01', timezone: 'UTC' },
};

const missingPoolUuid = structuredClone(typical);
delete (/** @type {any} */ (missingPoolUuid.data.pool)).uuid;

const json = (/** @type {unknown} */ v) => JSON.stringify(v);

/** @param {{ body: string, headers?: Record<string, string>, base64?: boolean, requestId: string, functionUrl?: boolean }} o */
function httpApiV2({ body, headers = {}, base64 = false, requestId, functionUrl = false }) {
  const domainPrefix = functionUrl ? 'a1b2c3d4e5f6g7h8i9j0k1l2m3' : 'a1b2c3d4e5';
  const domainName = functionUrl ? `${domainPrefix}.lambda-url.us-east-1.on.aws` : `${domainPrefix}.execute-api.us-east-1.amazonaws.com`;
  return {
    version: '2.0',
    routeKey: functionUrl ? '$default' : 'POST /webhooks/droam',
    rawPath: functionUrl ? '/' : '/webhooks/droam',
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'content-length': String(Buffer.byteLength(base64 ? Buffer.from(body, 'base64') : body)),
      'content-type': 'application/json',
      host: domainName,
      'user-agent': 'GuzzleHttp/7',
      'x-amzn-trace-id': 'Root=1-65920080-3f1c2b4a5d6e7f8091a2b3c4',
      'x-forwarded-for': '203.0.113.10',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...headers,
    },
    requestContext: {
      accountId: functionUrl ? 'anonymous' : '123456789012',
      apiId: domainPrefix,
      domainName,
      domainPrefix,
      http: { method: 'POST', path: functionUrl ? '/' : '/webhooks/droam', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'GuzzleHttp/7' },
      requestId,
      routeKey: functionUrl ? '$default' : 'POST /webhooks/droam',
      stage: '$default',
      time: '01/Jan/2024:00:00:00 +0000',
      timeEpoch: 1704067200000,
    },
    body,
    isBase64Encoded: base64,
  };
}

/** @param {{ body: string, headers?: Record<string, string>, requestId: string }} o */
function restApiV1({ body, headers = {}, requestId }) {
  const all = {
    Accept: '*/*',
    'Content-Type': 'application/json',
    Host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'GuzzleHttp/7',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...headers,
  };
  return {
    version: '1.0',
    resource: '/webhooks/droam',
    path: '/webhooks/droam',
    httpMethod: 'POST',
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      httpMethod: 'POST',
      identity: { sourceIp: '203.0.113.10', userAgent: 'GuzzleHttp/7' },
      path: '/prod/webhooks/droam',
      protocol: 'HTTP/1.1',
      requestId,
      requestTimeEpoch: 1704067200000,
      resourcePath: '/webhooks/droam',
      stage: 'prod',
    },
    body,
    isBase64Encoded: false,
  };
}

/** Upper-case first letters, as a proxy or a PHP client may send them. */
const titleCase = (/** @type {Record<string, string>} */ h) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase()), v]));

const tooLarge = json({ ...typical, data: { ...typical.data, padding: 'x'.repeat(270_000) } });

/** file name → [what it shows, the event] */
const events = {
  'pool-usage-vendor-example.json': httpApiV2({ body: json(vendorExample), headers: authHeaders(), requestId: 'Qx1aAjd2IAMEV1A=' }),
  'pool-usage.json': httpApiV2({ body: json(typical), headers: authHeaders(), requestId: 'Qx1aBh3kIAMEV2B=' }),
  'pool-usage-without-usage.json': httpApiV2({ body: json(withoutUsage), headers: authHeaders(), requestId: 'Qx1aCk4lIAMEV3C=' }),
  'pool-usage-base64.json': httpApiV2({ body: Buffer.from(json(typical)).toString('base64'), base64: true, headers: authHeaders(), requestId: 'Qx1aDm5nIAMEV4D=' }),
  'pool-usage-rest-api.json': restApiV1({ body: json(vendorExample), headers: titleCase(authHeaders()), requestId: '6f1d2c3b-4a5e-4f60-8a71-92b3c4d5e6f7' }),
  'pool-usage-function-url.json': httpApiV2({ body: json(typical), headers: authHeaders(), requestId: '0c9b8a7f-6e5d-4c3b-8a19-f8e7d6c5b4a3', functionUrl: true }),
  'company-updated.json': httpApiV2({ body: json(companyUpdated), headers: authHeaders(), requestId: 'Qx1aEp6oIAMEV5E=' }),
  'echo-flat.json': httpApiV2({ body: '{"type":"echo","echo_data":"something:Echo:data:123"}', requestId: 'Qx1aFq7pIAMEV6F=' }),
  'echo-enveloped.json': httpApiV2({
    body: json({ type: 'echo', data: { echo_data: 'echo:Ariel:1715854344' }, created_at: { unix_timestamp: 1715854344, human_time: '10:12:24', human_date: '2024-05-16', timezone: 'UTC' } }),
    requestId: 'Qx1aGr8qIAMEV7G=',
  }),
  'error-unauthorized.json': httpApiV2({ body: json(typical), headers: authHeaders(DOCUMENTED_TIMESTAMP, sign('a-secret-dRoam-never-issued-us', DOCUMENTED_TIMESTAMP)), requestId: 'Qx1aHs9rIAMEV8H=' }),
  'error-stale-timestamp.json': httpApiV2({ body: json(typical), headers: authHeaders(1000000000), requestId: 'Qx1aIt0sIAMEV9I=' }),
  'error-invalid-json.json': httpApiV2({ body: '{"type":"rule.pool.usage.triggered","data":{', headers: authHeaders(), requestId: 'Qx1aJu1tIAMEVAJ=' }),
  'error-invalid-payload.json': httpApiV2({ body: json(missingPoolUuid), headers: authHeaders(), requestId: 'Qx1aKv2uIAMEVBK=' }),
  'error-unsupported-media-type.json': httpApiV2({ body: 'type=rule.pool.usage.triggered', headers: { ...authHeaders(), 'content-type': 'application/x-www-form-urlencoded' }, requestId: 'Qx1aLw3vIAMEVCL=' }),
  'error-payload-too-large.json': httpApiV2({ body: tooLarge, headers: authHeaders(), requestId: 'Qx1aMx4wIAMEVDM=' }),
};

for (const [name, event] of Object.entries(events)) {
  writeFileSync(path.join(dir, name), `${JSON.stringify(event, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(events).length} events to ${path.relative(process.cwd(), dir) || '.'}`);
