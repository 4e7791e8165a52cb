/**
 * dRoam's own model examples (its Webhook payload models pages), copied as documented, quirks
 * included, and helpers shared by the payload-type tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { droamHash } from '../../../lib/relay/signature';
import type { LogSink } from '../../../lib/observability/sinks';
import { createWebhookHandler } from '../../../lib/relay/webhook';
import type { HttpResponse } from '../../../lib/relay/respond';
import { type PayloadIssue, payloadTypes, type ValidPayload } from '../../../lib/contract';
import type { SnsMessage } from '../../../lib/topic/message';
import { deployedConfig } from '../../support/unit/harness';

export type Json = Record<string, unknown>;

/** Listing 4.11 (the string timestamp and the human fields that disagree with it are both the vendor's). */
export const DATE_TIME = { unix_timestamp: '1711929600', human_time: '17:25:11', human_date: '2024-06-12', timezone: 'UTC' };
/** Listing 4.12: the "uuid" is a timestamp. */
export const RULE = { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' };
/** Listing 4.8: `id` as a string. */
export const STATUS = { id: '1', title: 'pending' };
/** Listing 4.3. */
export const ADDRESS = {
  house_number: '52/1',
  street: 'Green Street',
  addition: 'Office 23',
  city: 'Example City',
  state: 'Example State',
  country_code: 'US',
  postal_code: '17000',
};
/** Listing 4.1. */
export const ACCOUNT = {
  uuid: 'ff472de7-59b2-425d-96ec-9d1ff4bab684',
  name: 'Example Company',
  status: STATUS,
  currency_code: 'EUR',
  email_for_notification: 'email.notif@gmail.com',
  vat_number: '123456789',
  address: ADDRESS,
};
/** The End User Model is undocumented; this one is shaped like the Account Model the SIM Card table names. */
export const END_USER = { uuid: '0b6f1c9e-5d2a-4e8b-9c3f-7a1d2e4b6c80', name: 'Example End User', status: { id: '3', title: 'Active' } };
/** Listing 4.10: the four-group "uuid", "315" and "90.95". */
export const REFILL = { uuid: 'b528bcb9-86cf-2d72834d02ab', amount_mb: '315', price: '90.95', currency_code: 'USD' };
/** Listing 4.5 (made valid JSON: the missing comma added, the placeholder refills filled in). */
export const PLAN = {
  uuid: '271295c0-2019-470d-b7d9-b79bc2686cfd',
  type: 'prepaid',
  name: 'Plan Name',
  operator_title: 'Test Operator (Integration)',
  prepaid_refills: [REFILL, REFILL],
};
/** Listing 4.7, its PHP `details` map as JSON. */
export const SIM_CARD = {
  iccid: '8920000012345678900',
  sim_card_type: 'prepaid',
  msisdn: '01234567890',
  imei: '86-000000-111111-2',
  is_e_sim: false,
  status: STATUS,
  plan: PLAN,
  company: ACCOUNT,
  end_user: END_USER,
  details: { current_usage_kb: 512 },
};
/** Listing 4.9: the four-group "uuid". */
export const USER = {
  uuid: 'b528bcb9-86cf-2d72834d02ab',
  email: 'user_email@gmail.com',
  first_name: 'John',
  last_name: 'Johnson',
  status: STATUS,
  company: ACCOUNT,
  end_user: END_USER,
  is_two_factor_enabled: true,
  timezone: 'UTC',
  format_date_time: 'Y-m-d H:i:s',
  format_number: 'fr-CA',
};

/** The SIM Card Model example after validation: digit strings become numbers, money stays the decimal string sent. */
export const NORMALISED_SIM_CARD = {
  ...SIM_CARD,
  status: { id: 1, title: 'pending' },
  plan: { ...PLAN, prepaid_refills: [0, 1].map(() => ({ uuid: 'b528bcb9-86cf-2d72834d02ab', amount_mb: 315, price: '90.95', currency_code: 'USD' })) },
  company: { ...ACCOUNT, status: { id: 1, title: 'pending' } },
  end_user: { ...END_USER, status: { id: 3, title: 'Active' } },
};

/** The attributes of a message about the SIM Card Model example. */
export const SIM_CARD_ATTRIBUTES = {
  iccid: '8920000012345678900',
  sim_status: 'pending',
  company_uuid: ACCOUNT.uuid,
  end_user_uuid: END_USER.uuid,
  current_usage_kb: 512,
};

/** A deep copy that shares nothing (structuredClone would keep the examples' shared STATUS and REFILL objects shared). */
export const copyOf = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export const payload = (type: string, data: Json): Json => copyOf({ type, data, created_at: DATE_TIME });

/** A deep copy of `value` without the field at `dotted` (e.g. "data.sim_card.iccid"). */
export function without(value: Json, dotted: string): Json {
  return edit(value, dotted, (parent, key) => {
    if (!(key in parent)) throw new Error(`${dotted}: no field ${key} to remove`);
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
    delete parent[key];
  });
}

/** A deep copy of `value` with the field at `dotted` set to `replacement` (added if absent). */
export function withField(value: Json, dotted: string, replacement: unknown): Json {
  return edit(value, dotted, (parent, key) => {
    parent[key] = replacement;
  });
}

function edit(value: Json, dotted: string, change: (parent: Json, key: string) => void): Json {
  const copy = copyOf(value);
  const keys = dotted.split('.');
  const last = keys.pop() ?? '';
  let parent: Json = copy;
  for (const key of keys) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) throw new Error(`${dotted}: nothing at ${key}`);
    parent = next as Json;
  }
  change(parent, last);
  return copy;
}

/** Validates through the registry and fails the test, with the issues, unless the payload is accepted. */
export function accepted(input: unknown): ValidPayload {
  const result = payloadTypes.validate(input);
  if (!result.ok) throw new Error(`expected the payload to be accepted, got ${JSON.stringify(result.issues)}`);
  expect(result.value.declared).toBe(true);
  return result.value;
}

/** Validates through the registry and returns the issues; fails the test when the payload is accepted. */
export function rejected(input: unknown): readonly PayloadIssue[] {
  const result = payloadTypes.validate(input);
  if (result.ok) throw new Error('expected the payload to be rejected');
  return result.issues;
}

/** The payload's `data` after validation, as it is published. */
export const dataOf = (valid: ValidPayload): Json => valid.payload.data;

const EVENTS_DIR = path.resolve(__dirname, '..', '..', '..', 'events');

/** The dRoam payload inside a sample API Gateway event of events/. */
export function samplePayload(file: string): Json {
  const event = JSON.parse(readFileSync(path.join(EVENTS_DIR, file), 'utf8')) as { body: string; isBase64Encoded?: boolean };
  const body = event.isBase64Encoded === true ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return JSON.parse(body) as Json;
}

const SECRET = '3c1f9a7e5b2d4068a9e1c7b3d5f20486';
const NOW_MS = 1_790_000_000_000;

const config = deployedConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:droam-events', DROAM_API_SECRETS: SECRET });

/** The relay's integrity tag on every message it publishes (lib/queues/published.ts), as these tests' stage makes it. */
export const TAGGED = { DataType: 'String', StringValue: expect.stringMatching(/^test\.\d+\.[A-Za-z0-9_-]{43}$/) as unknown };

export interface Relay {
  /** Posts the payload, signed, as an HTTP API (payload 2.0) event. */
  post(body: unknown): Promise<{ status: number; json: Json }>;
  readonly published: SnsMessage[];
  readonly logged: { level: string; message: string; attributes: Record<string, unknown> }[];
}

/** The real handler with a fake SNS, a fixed clock and a logger that only records. */
export function relay(): Relay {
  const published: SnsMessage[] = [];
  const logged: Relay['logged'] = [];
  const record =
    (level: string) =>
    (message: string, attributes: Record<string, unknown>): void => {
      logged.push({ level, message, attributes });
    };
  const logger: LogSink = { info: record('info'), warn: record('warn'), error: record('error') };
  const handle = createWebhookHandler({
    config,
    registry: payloadTypes,
    now: () => NOW_MS,
    logger,
    publish: (message) => {
      published.push(message);
      return Promise.resolve({ ok: true, messageId: `m-${published.length}` });
    },
  });
  const timestamp = Math.floor(NOW_MS / 1000);
  return {
    published,
    logged,
    async post(body) {
      const text = JSON.stringify(body);
      const response: HttpResponse = await handle({
        version: '2.0',
        routeKey: 'POST /webhooks/droam',
        rawPath: '/webhooks/droam',
        rawQueryString: '',
        headers: { 'content-type': 'application/json', 'x-api-timestamp': String(timestamp), 'x-api-hash': droamHash(SECRET, timestamp) },
        requestContext: {
          http: { method: 'POST', path: '/webhooks/droam', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'GuzzleHttp/7' },
          requestId: 'test',
        },
        body: text,
        isBase64Encoded: false,
      });
      return { status: response.statusCode, json: JSON.parse(response.body) as Json };
    },
  };
}

/** Every documented type → its payload built from the vendor's examples, with every optional field the models document filled in. */
export const VENDOR_EXAMPLES: Readonly<Record<string, Json>> = {
  'rule.pool.usage.triggered': payload('rule.pool.usage.triggered', {
    rule: RULE,
    pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: '51200' },
  }),
  'company.added': payload('company.added', { company: ACCOUNT }),
  'company.deleted': payload('company.deleted', { company: ACCOUNT }),
  'company.updated': payload('company.updated', { company: ACCOUNT }),
  'company.staff.added': payload('company.staff.added', { user: USER }),
  'company.staff.deleted': payload('company.staff.deleted', { user: USER }),
  'company.staff.updated': payload('company.staff.updated', { user: USER }),
  'end_user.added': payload('end_user.added', { end_user: END_USER }),
  'end_user.deleted': payload('end_user.deleted', { end_user: END_USER }),
  'end_user.updated': payload('end_user.updated', { end_user: END_USER }),
  'sim_card.assigned_to_end_user': payload('sim_card.assigned_to_end_user', { sim_card: SIM_CARD }),
  'sim_card.first_usage': payload('sim_card.first_usage', { sim_card: SIM_CARD }),
  'rule.sim_card.current_usage.triggered': payload('rule.sim_card.current_usage.triggered', { rule: RULE, sim_card: SIM_CARD }),
  'rule.sim_card.status.changed': payload('rule.sim_card.status.changed', { rule: RULE, sim_card: SIM_CARD }),
  'rule.sim_card.remaining_usage.triggered': payload('rule.sim_card.remaining_usage.triggered', { rule: RULE, sim_card: SIM_CARD }),
  'rule.sim_card.remaining_usage_triggered': payload('rule.sim_card.remaining_usage_triggered', { rule: RULE, sim_card: SIM_CARD }),
  'rule.sim_card.imei.changed': payload('rule.sim_card.imei.changed', { rule: RULE, sim_card: SIM_CARD }),
  'rule.sim_card.date.triggered': payload('rule.sim_card.date.triggered', { rule: RULE, sim_card: SIM_CARD }),
};

/** Every documented type → its sample in events/. */
export const SAMPLE_FILES: Readonly<Record<string, string>> = {
  'rule.pool.usage.triggered': 'pool-usage-vendor-example.json',
  'company.added': 'company-added.json',
  'company.deleted': 'company-deleted.json',
  'company.updated': 'company-updated.json',
  'company.staff.added': 'company-staff-added.json',
  'company.staff.deleted': 'company-staff-deleted.json',
  'company.staff.updated': 'company-staff-updated.json',
  'end_user.added': 'end-user-added.json',
  'end_user.deleted': 'end-user-deleted.json',
  'end_user.updated': 'end-user-updated.json',
  'sim_card.assigned_to_end_user': 'sim-card-assigned-to-end-user.json',
  'sim_card.first_usage': 'sim-card-first-usage.json',
  'rule.sim_card.current_usage.triggered': 'rule-sim-card-current-usage-triggered.json',
  'rule.sim_card.status.changed': 'rule-sim-card-status-changed.json',
  'rule.sim_card.remaining_usage.triggered': 'rule-sim-card-remaining-usage-triggered.json',
  'rule.sim_card.remaining_usage_triggered': 'rule-sim-card-remaining-usage-triggered-caption-spelling.json',
  'rule.sim_card.imei.changed': 'rule-sim-card-imei-changed.json',
  'rule.sim_card.date.triggered': 'rule-sim-card-date-triggered.json',
};

export const MISSING = 'Required field is missing';

/** The example of a type, failing the test if there is none. */
export function example(type: string): Json {
  const found = VENDOR_EXAMPLES[type];
  if (found === undefined) throw new Error(`no vendor example for ${type}`);
  return copyOf(found);
}
