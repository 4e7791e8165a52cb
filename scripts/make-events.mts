/**
 * `npm run events`: writes the sample events in events/: realistic API Gateway
 * events around dRoam payloads, signed the way dRoam signs (lib/relay/signature.ts)
 * with the local stage's secret (dRoam's own documentation example) and the
 * timestamp of that example. Run it after changing a sample.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { signedHeaders } from '../lib/relay/signature';
import { LOCAL_STAGE } from '../tools/local-stage';
import { command, repositoryRoot, runCommand } from './cli.mjs';

const dir = path.join(repositoryRoot(import.meta.url), 'events');

/** The timestamp of dRoam's documentation example. */
const DOCUMENTED_TIMESTAMP = 1704067200;

/** Header names dRoam uses are undocumented; the relay finds them. These are the signer's defaults. */
const authHeaders = (timestampSeconds = DOCUMENTED_TIMESTAMP, apiSecret = LOCAL_STAGE.apiSecret): Record<string, string> =>
  signedHeaders(apiSecret, { timestampSeconds });

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
delete (withoutUsage.data.pool as Partial<typeof withoutUsage.data.pool>).current_usage_kb;

/*
 * One sample per documented event and rule type (dRoam's Webhook payload types pages), built from
 * the vendor's model examples with their quirks kept: "1" as a status id,
 * "315" and "90.95" in a refill, the four-group user uuid, a rule uuid that is
 * a timestamp, `details` as a key→value map. The End User Model is
 * undocumented; the end user here is shaped like the Account Model the SIM
 * Card table names.
 */
const vendorCreatedAt = { unix_timestamp: '1711929600', human_time: '17:25:11', human_date: '2024-06-12', timezone: 'UTC' };
const vendorRule = { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' };
const vendorStatus = { id: '1', title: 'pending' };
const vendorAddress = {
  house_number: '52/1',
  street: 'Green Street',
  addition: 'Office 23',
  city: 'Example City',
  state: 'Example State',
  country_code: 'US',
  postal_code: '17000',
};
const vendorAccount = {
  uuid: 'ff472de7-59b2-425d-96ec-9d1ff4bab684',
  name: 'Example Company',
  status: vendorStatus,
  currency_code: 'EUR',
  email_for_notification: 'email.notif@gmail.com',
  vat_number: '123456789',
  address: vendorAddress,
};
const endUser = { uuid: '0b6f1c9e-5d2a-4e8b-9c3f-7a1d2e4b6c80', name: 'Example End User', status: { id: '3', title: 'Active' }, currency_code: 'EUR' };
const vendorRefill = { uuid: 'b528bcb9-86cf-2d72834d02ab', amount_mb: '315', price: '90.95', currency_code: 'USD' };
const vendorPlan = {
  uuid: '271295c0-2019-470d-b7d9-b79bc2686cfd',
  type: 'prepaid',
  name: 'Plan Name',
  operator_title: 'Test Operator (Integration)',
  prepaid_refills: [vendorRefill, vendorRefill],
};
const vendorSimCard = {
  iccid: '8920000012345678900',
  sim_card_type: 'prepaid',
  msisdn: '01234567890',
  imei: '86-000000-111111-2',
  is_e_sim: false,
  status: vendorStatus,
  plan: vendorPlan,
  company: vendorAccount,
  end_user: endUser,
  details: { current_usage_kb: 512 },
};
const vendorUser = {
  uuid: 'b528bcb9-86cf-2d72834d02ab',
  email: 'user_email@gmail.com',
  first_name: 'John',
  last_name: 'Johnson',
  status: vendorStatus,
  company: vendorAccount,
  is_two_factor_enabled: true,
  timezone: 'UTC',
  format_date_time: 'Y-m-d H:i:s',
  format_number: 'fr-CA',
};

const payload = (type: string, data: Record<string, unknown>) => ({ type, data, created_at: vendorCreatedAt });
const companyUpdated = payload('company.updated', { company: vendorAccount });

/** file name → payload of one documented type (company-updated.json is written with the other samples below). */
const typeSamples: Record<string, unknown> = {
  'company-added.json': payload('company.added', { company: vendorAccount }),
  'company-deleted.json': payload('company.deleted', { company: vendorAccount }),
  'company-staff-added.json': payload('company.staff.added', { user: vendorUser }),
  'company-staff-deleted.json': payload('company.staff.deleted', { user: vendorUser }),
  'company-staff-updated.json': payload('company.staff.updated', { user: { ...vendorUser, first_name: 'Johnny' } }),
  'end-user-added.json': payload('end_user.added', { end_user: endUser }),
  // A deletion may well carry little more than the id; the End User Model is an open object.
  'end-user-deleted.json': payload('end_user.deleted', { end_user: { uuid: endUser.uuid } }),
  'end-user-updated.json': payload('end_user.updated', { end_user: { ...endUser, name: 'Example End User Ltd' } }),
  // A blank SIM before its first use: PHP encodes its empty `details` as [].
  'sim-card-assigned-to-end-user.json': payload('sim_card.assigned_to_end_user', { sim_card: { ...vendorSimCard, details: [] } }),
  'sim-card-first-usage.json': payload('sim_card.first_usage', { sim_card: vendorSimCard }),
  // Current-usage rules watch subscription SIMs; "subscription" as a wire value is a guess (only "prepaid" is documented).
  'rule-sim-card-current-usage-triggered.json': payload('rule.sim_card.current_usage.triggered', {
    rule: vendorRule,
    sim_card: { ...vendorSimCard, sim_card_type: 'subscription', details: { current_usage_kb: 102400 } },
  }),
  'rule-sim-card-status-changed.json': payload('rule.sim_card.status.changed', {
    rule: vendorRule,
    sim_card: { ...vendorSimCard, status: { id: '3', title: 'Active' } },
  }),
  'rule-sim-card-remaining-usage-triggered.json': payload('rule.sim_card.remaining_usage.triggered', { rule: vendorRule, sim_card: vendorSimCard }),
  // The caption of Listing 5.16 spells the type with an underscore; accepted and published as sent.
  'rule-sim-card-remaining-usage-triggered-caption-spelling.json': payload('rule.sim_card.remaining_usage_triggered', {
    rule: vendorRule,
    sim_card: vendorSimCard,
  }),
  'rule-sim-card-imei-changed.json': payload('rule.sim_card.imei.changed', { rule: vendorRule, sim_card: vendorSimCard }),
  'rule-sim-card-date-triggered.json': payload('rule.sim_card.date.triggered', { rule: vendorRule, sim_card: vendorSimCard }),
};

const missingPoolUuid = structuredClone(typical);
delete (missingPoolUuid.data.pool as Partial<typeof missingPoolUuid.data.pool>).uuid;

const json = (v: unknown): string => JSON.stringify(v);

function httpApiV2({
  body,
  headers = {},
  base64 = false,
  requestId,
  functionUrl = false,
}: {
  body: string;
  headers?: Record<string, string>;
  base64?: boolean;
  requestId: string;
  functionUrl?: boolean;
}) {
  const domainPrefix = functionUrl ? 'a1b2c3d4e5f6g7h8i9j0k1l2m3' : 'a1b2c3d4e5';
  const domainName = functionUrl ? `${domainPrefix}.lambda-url.us-east-1.on.aws` : `${domainPrefix}.execute-api.us-east-1.amazonaws.com`;
  return {
    version: '2.0',
    routeKey: functionUrl ? '$default' : 'POST /webhooks/droam',
    rawPath: '/webhooks/droam',
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
      http: { method: 'POST', path: '/webhooks/droam', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'GuzzleHttp/7' },
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

function restApiV1({ body, headers = {}, requestId }: { body: string; headers?: Record<string, string>; requestId: string }) {
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
const titleCase = (h: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()), v]));

const tooLarge = json({ ...typical, data: { ...typical.data, padding: 'x'.repeat(270_000) } });

/** file name → [what it shows, the event] */
const events: Record<string, unknown> = {
  'pool-usage-vendor-example.json': httpApiV2({ body: json(vendorExample), headers: authHeaders(), requestId: 'Qx1aAjd2IAMEV1A=' }),
  'pool-usage.json': httpApiV2({ body: json(typical), headers: authHeaders(), requestId: 'Qx1aBh3kIAMEV2B=' }),
  'pool-usage-without-usage.json': httpApiV2({ body: json(withoutUsage), headers: authHeaders(), requestId: 'Qx1aCk4lIAMEV3C=' }),
  'pool-usage-base64.json': httpApiV2({
    body: Buffer.from(json(typical)).toString('base64'),
    base64: true,
    headers: authHeaders(),
    requestId: 'Qx1aDm5nIAMEV4D=',
  }),
  'pool-usage-rest-api.json': restApiV1({ body: json(vendorExample), headers: titleCase(authHeaders()), requestId: '6f1d2c3b-4a5e-4f60-8a71-92b3c4d5e6f7' }),
  'pool-usage-function-url.json': httpApiV2({
    body: json(typical),
    headers: authHeaders(),
    requestId: '0c9b8a7f-6e5d-4c3b-8a19-f8e7d6c5b4a3',
    functionUrl: true,
  }),
  'company-updated.json': httpApiV2({ body: json(companyUpdated), headers: authHeaders(), requestId: 'Qx1aEp6oIAMEV5E=' }),
  'echo-flat.json': httpApiV2({ body: '{"type":"echo","echo_data":"something:Echo:data:123"}', requestId: 'Qx1aFq7pIAMEV6F=' }),
  'echo-enveloped.json': httpApiV2({
    body: json({
      type: 'echo',
      data: { echo_data: 'echo:Ariel:1715854344' },
      created_at: { unix_timestamp: 1715854344, human_time: '10:12:24', human_date: '2024-05-16', timezone: 'UTC' },
    }),
    requestId: 'Qx1aGr8qIAMEV7G=',
  }),
  'error-unauthorized.json': httpApiV2({
    body: json(typical),
    headers: authHeaders(DOCUMENTED_TIMESTAMP, 'a-secret-dRoam-never-issued-us'),
    requestId: 'Qx1aHs9rIAMEV8H=',
  }),
  'error-stale-timestamp.json': httpApiV2({ body: json(typical), headers: authHeaders(1000000000), requestId: 'Qx1aIt0sIAMEV9I=' }),
  'error-invalid-json.json': httpApiV2({ body: '{"type":"rule.pool.usage.triggered","data":{', headers: authHeaders(), requestId: 'Qx1aJu1tIAMEVAJ=' }),
  'error-invalid-payload.json': httpApiV2({ body: json(missingPoolUuid), headers: authHeaders(), requestId: 'Qx1aKv2uIAMEVBK=' }),
  'error-unsupported-media-type.json': httpApiV2({
    body: 'type=rule.pool.usage.triggered',
    headers: { ...authHeaders(), 'content-type': 'application/x-www-form-urlencoded' },
    requestId: 'Qx1aLw3vIAMEVCL=',
  }),
  'error-payload-too-large.json': httpApiV2({ body: tooLarge, headers: authHeaders(), requestId: 'Qx1aMx4wIAMEVDM=' }),
};

Object.entries(typeSamples).forEach(([name, body], index) => {
  events[name] = httpApiV2({
    body: json(body),
    headers: authHeaders(),
    requestId: `Qx1aT${String(index).padStart(2, '0')}yIAMEVT=`,
  });
});

const spec = command({
  name: 'events',
  summary: `Writes the sample API Gateway events (${Object.keys(events).length} files) to events/, signed with the local stage's secret. Run it after changing a sample in scripts/make-events.mts.`,
  options: {},
});

await runCommand(spec, () => {
  for (const [name, event] of Object.entries(events)) {
    writeFileSync(path.join(dir, name), `${JSON.stringify(event, null, 2)}\n`);
  }
  console.log(`wrote ${Object.keys(events).length} events to ${path.relative(process.cwd(), dir) || '.'}`);
  return 0;
});
