import { MAX_MESSAGE_ATTRIBUTES, payloadTypes, RESERVED_ATTRIBUTE_NAMES, toCloudEvent } from '../../../lib/contract';
import { decimalLike } from '../../../lib/contract/schemas/common';
import { tagMessage } from '../../../lib/queues/published';
import { toSnsMessage } from '../../../lib/topic/message';
import { TEST_SECRET } from '../../support/unit/harness';
import * as v from 'valibot';
import { accepted, example, relay, SAMPLE_FILES, samplePayload, VENDOR_EXAMPLES } from './fixtures';

/** Every event and rule type dRoam's Webhook payload types pages document (Payment and Wallet payloads are not retrievable). */
const DOCUMENTED = [
  'company.added',
  'company.deleted',
  'company.updated',
  'company.staff.added',
  'company.staff.deleted',
  'company.staff.updated',
  'end_user.added',
  'end_user.deleted',
  'end_user.updated',
  'sim_card.assigned_to_end_user',
  'sim_card.first_usage',
  'rule.sim_card.current_usage.triggered',
  'rule.sim_card.status.changed',
  'rule.sim_card.remaining_usage.triggered',
  'rule.sim_card.remaining_usage_triggered',
  'rule.sim_card.imei.changed',
  'rule.sim_card.date.triggered',
  'rule.pool.usage.triggered',
];

it('declares every documented type, once', () => {
  expect([...payloadTypes.types].sort()).toEqual([...DOCUMENTED].sort());
  expect(new Set(payloadTypes.types).size).toBe(payloadTypes.types.length);
});

it('has a vendor example and a sample event for every declared type (so a new type cannot skip them)', () => {
  expect(Object.keys(VENDOR_EXAMPLES).sort()).toEqual([...payloadTypes.types].sort());
  expect(Object.keys(SAMPLE_FILES).sort()).toEqual([...payloadTypes.types].sort());
});

describe.each(payloadTypes.types.map((type) => [type]))('%s', (type) => {
  it(`yields at most ${MAX_MESSAGE_ATTRIBUTES} message attributes, event_type, event_id, droam_source and integrity_tag included, all of them published`, () => {
    // The vendor example fills every optional field the models document, so every attribute is present.
    const valid = accepted(example(type));
    const declared = Object.entries(valid.attributes).filter(([, value]) => value !== undefined && value !== null);
    expect(declared.length + RESERVED_ATTRIBUTE_NAMES.length).toBeLessThanOrEqual(MAX_MESSAGE_ATTRIBUTES);
    const signer = { secret: TEST_SECRET, issue: { stage: 'test', issuedAt: 1_767_225_600 } };
    const message = tagMessage(toSnsMessage(toCloudEvent(valid, 'droam'), valid.attributes, false), signer);
    expect(Object.keys(message.MessageAttributes)).toEqual(['event_type', 'event_id', 'droam_source', ...declared.map(([name]) => name), 'integrity_tag']);
  });

  it('names its attributes in snake_case, never one the relay sets (event_type, event_id, droam_source, integrity_tag)', () => {
    for (const name of Object.keys(accepted(example(type)).attributes)) {
      expect(name).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(['event_type', 'event_id', 'droam_source', 'integrity_tag']).not.toContain(name);
    }
  });

  it('has a subject', () => {
    expect(accepted(example(type)).subject).toEqual(expect.any(String));
  });

  it('has a sample event in events/ that is accepted as this type, and published by the handler', async () => {
    const file = SAMPLE_FILES[type] ?? '';
    const sample = samplePayload(file);
    expect(accepted(sample).type).toBe(type);
    const r = relay();
    expect((await r.post(sample)).status).toBe(200);
    expect(r.published).toHaveLength(1);
  });
});

describe('rule.pool.usage.triggered keeps its declaration', () => {
  it('subject: the pool uuid; attributes: pool_uuid, rule_uuid, current_usage_kb (a number)', () => {
    const valid = accepted(example('rule.pool.usage.triggered'));
    expect(valid.subject).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
    expect(valid.attributes).toEqual({ pool_uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', rule_uuid: '1711929600', current_usage_kb: 51200 });
  });
});

it('still publishes a type no declaration knows on its envelope alone', () => {
  const result = payloadTypes.validate({ ...example('company.updated'), type: 'wallet.balance.changed', data: { anything: ['goes'] } });
  expect(result).toMatchObject({ ok: true, value: { type: 'wallet.balance.changed', declared: false, subject: undefined, attributes: {} } });
});

describe('decimalLike (floats such as money)', () => {
  it.each([
    ['52.99', '52.99'],
    ['90.10', '90.10'],
    ['0', '0'],
    ['-3.5', '-3.5'],
    [52.99, '52.99'],
    [90.1, '90.1'],
    [35, '35'],
  ])('takes %p as %p', (input, output) => {
    expect(v.parse(decimalLike(), input)).toBe(output);
  });

  it.each([['52,99'], ['1e3'], [' 52.99'], ['.5'], ['52.'], [''], [Number.NaN], [Number.POSITIVE_INFINITY], [true], [null]])('refuses %p', (input) => {
    expect(v.safeParse(decimalLike(), input).success).toBe(false);
  });
});
