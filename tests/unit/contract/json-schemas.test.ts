/**
 * The JSON Schemas in schemas/ against what the relay really publishes: every
 * sample event of events/ goes through the real handler, and the CloudEvent it
 * publishes is validated by ajv (draft 2020-12, formats) against the schema its
 * `dataschema` names. Broken events must fail, including events in dRoam's
 * input form (the schemas describe the normalised output).
 */
import type Ajv2020 from 'ajv/dist/2020';
import { caseInsensitive } from '../../../tools/codegen/json-schemas';
import { payloadTypes } from '../../../lib/contract';
import { changed, ENVELOPE, type Published, publishSamples, schemaErrors, schemaValidator } from '../../support/contract';

let ajv: Ajv2020;
let published: Published[];
beforeAll(async () => {
  ajv = schemaValidator();
  published = await publishSamples();
});

const sample = (type: string): Published => {
  const found = published.find((p) => p.event.type === type);
  if (found === undefined) throw new Error(`no sample publishes ${type}`);
  return found;
};

it('every declared type is published by some sample', () => {
  expect(new Set(published.map((p) => p.event.type))).toEqual(new Set(payloadTypes.types));
});

it("every sample's published CloudEvent is valid against the schema its dataschema names, and against the envelope", () => {
  expect(published.length).toBeGreaterThanOrEqual(payloadTypes.types.length);
  for (const { file, event } of published) {
    expect({ file, dataschema: event.dataschema }).toEqual({ file, dataschema: `urn:droam-webhook-relay:schema:event:${event.type}` });
    expect({ file, errors: schemaErrors(ajv, event) }).toEqual({ file, errors: [] });
    expect({ file, errors: schemaErrors(ajv, event, ENVELOPE) }).toEqual({ file, errors: [] });
  }
});

it('an event of a type no declaration knows names the envelope schema and is valid against it', () => {
  const { event } = sample('company.updated');
  const undeclared = { ...event, type: 'droam.future.event', dataschema: ENVELOPE, data: { anything: ['goes'] } };
  expect(schemaErrors(ajv, undeclared)).toEqual([]);
});

describe('a broken CloudEvent fails its schema', () => {
  const pool = () => sample('rule.pool.usage.triggered').event;
  const sim = () => sample('sim_card.first_usage').event;

  it.each([
    ['data.pool.uuid removed', () => changed(pool(), 'data.pool.uuid', undefined), '/data/pool'],
    ['data.pool.uuid not UUID-shaped', () => changed(pool(), 'data.pool.uuid', 'pool-1'), '/data/pool/uuid'],
    ['data.rule removed', () => changed(pool(), 'data.rule', undefined), '/data'],
    ['data.pool.current_usage_kb as dRoam may send it, a string', () => changed(pool(), 'data.pool.current_usage_kb', '51200'), '/data/pool/current_usage_kb'],
    ['data.pool.current_usage_kb negative', () => changed(pool(), 'data.pool.current_usage_kb', -1), '/data/pool/current_usage_kb'],
    ['data.pool.current_usage_kb not an integer', () => changed(pool(), 'data.pool.current_usage_kb', 1.5), '/data/pool/current_usage_kb'],
    ['data an array', () => changed(pool(), 'data', []), '/data'],
    ['id removed', () => changed(pool(), 'id', undefined), ''],
    ['specversion 0.3', () => changed(pool(), 'specversion', '0.3'), '/specversion'],
    ['time not RFC 3339', () => changed(pool(), 'time', 'yesterday'), '/time'],
    ['another type', () => changed(pool(), 'type', 'rule.pool.usage.changed'), '/type'],
    // Validated against the schema it names, whose type it is not.
    ['the dataschema of another type', () => changed(pool(), 'dataschema', 'urn:droam-webhook-relay:schema:event:company.added'), '/type'],
    ['datacontenttype text/plain', () => changed(pool(), 'datacontenttype', 'text/plain'), '/datacontenttype'],
    ['a SIM card without iccid', () => changed(sim(), 'data.sim_card.iccid', undefined), '/data/sim_card'],
    ['details as PHP sends an empty one, []', () => changed(sim(), 'data.sim_card.details', []), '/data/sim_card/details'],
    ['a status id as dRoam sends it, "1"', () => changed(sim(), 'data.sim_card.status.id', '1'), '/data/sim_card/status/id'],
    [
      'a price as a binary float',
      () => changed(sim(), 'data.sim_card.plan.prepaid_refills', [{ uuid: 'r', amount_mb: 315, price: 90.95, currency_code: 'USD' }]),
      '/data/sim_card/plan/prepaid_refills/0/price',
    ],
  ])('%s', (_label, broken, where) => {
    const errors = schemaErrors(ajv, broken()) as { instancePath: string }[];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((error) => error.instancePath)).toContain(where);
  });
});

describe('what the schemas allow, as the relay does', () => {
  const pool = () => sample('rule.pool.usage.triggered').event;

  it.each([
    ['unknown fields in data', () => changed(pool(), 'data.pool.labels', ['eu'])],
    ['an extension attribute', () => changed(pool(), 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')],
    [
      'no subject, dataschema or correlationid',
      () => changed(changed(changed(pool(), 'subject', undefined), 'dataschema', undefined), 'correlationid', undefined),
    ],
    ['an upper-case pool uuid', () => changed(pool(), 'data.pool.uuid', '34160E3A-3492-4F6F-BBF6-C9A9BE15EA55')],
    ['a pool without current_usage_kb', () => changed(pool(), 'data.pool.current_usage_kb', undefined)],
    ['current_usage_kb null', () => changed(pool(), 'data.pool.current_usage_kb', null)],
  ])('%s', (_label, event) => {
    expect(schemaErrors(ajv, event())).toEqual([]);
  });

  it('money as a decimal string and details as an object (the SIM card samples)', () => {
    const { event } = sample('sim_card.first_usage');
    const sim = (event.data as { sim_card: { details: unknown; plan: { prepaid_refills: { price: unknown }[] } } }).sim_card;
    expect(sim.details).toEqual(expect.any(Object));
    expect(Array.isArray(sim.details)).toBe(false);
    expect(sim.plan.prepaid_refills[0]?.price).toEqual(expect.stringMatching(/^\d+\.\d+$/));
    expect(schemaErrors(ajv, event)).toEqual([]);
  });
});

describe('caseInsensitive (regex flags have no JSON Schema spelling)', () => {
  it.each([
    ['^[0-9a-f]{8}$', '^[0-9a-fA-F]{8}$'],
    ['^ab\\d$', '^[aA][bB]\\d$'],
    ['[x_]', '[xX_]'],
  ])('%s → %s', (source, expected) => {
    expect(caseInsensitive(source)).toBe(expected);
    expect(new RegExp(caseInsensitive(source)).test('ABCDEF12')).toBe(new RegExp(source, 'i').test('ABCDEF12'));
  });
});
