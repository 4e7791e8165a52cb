import { type PayloadIssue, payloadTypes, toCloudEvent, type Validation } from '../../lib/contract';
import { isEcho } from '../../lib/contract/schemas/echo';
import { type Json, loadEvent, payloadOf, UNKNOWN_TYPE, unknownTypePayload, vendorExample } from '../support/unit/harness';

/**
 * The payload registry as a sender experiences it: what dRoam's own (quirky)
 * examples turn into, and what is refused with which issue at which path.
 */

const POOL_TYPE = 'rule.pool.usage.triggered';

function accepted(input: unknown): Extract<Validation, { ok: true }>['value'] {
  const result = payloadTypes.validate(input);
  if (!result.ok) throw new Error(`expected the payload to be accepted, got ${JSON.stringify(result.issues)}`);
  return result.value;
}

function issuesOf(input: unknown): readonly PayloadIssue[] {
  const result = payloadTypes.validate(input);
  if (result.ok) throw new Error('expected the payload to be rejected');
  return result.issues;
}

const paths = (issues: readonly PayloadIssue[]): string[] => issues.map((issue) => issue.path);

/** The vendor example with one pool field replaced (or removed with `undefined`). */
function withPool(field: string, value: unknown): Json {
  const payload = vendorExample();
  const pool = Object.fromEntries(Object.entries(payload.data.pool).filter(([key]) => key !== field));
  payload.data.pool = value === undefined ? pool : { ...pool, [field]: value };
  return payload;
}

function withCreatedAt(field: string, value: unknown): Json {
  const payload = vendorExample();
  payload.created_at[field] = value;
  return payload;
}

interface PoolView {
  data: { rule: Json; pool: Json };
  created_at: Json;
}
const view = (payload: unknown): PoolView => payload as PoolView;

describe("dRoam's own example (rule.pool.usage.triggered, Listing 5.19)", () => {
  test('the body of events/pool-usage-vendor-example.json is accepted as a declared type', () => {
    const body = payloadOf(loadEvent('pool-usage-vendor-example.json'));
    expect(body).toEqual(vendorExample());
    const valid = accepted(body);
    expect(valid.type).toBe(POOL_TYPE);
    expect(valid.declared).toBe(true);
  });

  test('numbers sent as digit strings come out as numbers', () => {
    const valid = accepted(vendorExample());
    expect(view(valid.payload).data.pool.current_usage_kb).toBe(51200);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
  });

  test('every documented field and its value is kept; the string fields are untouched', () => {
    const valid = accepted(vendorExample());
    expect(valid.payload).toEqual({
      type: POOL_TYPE,
      data: {
        rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' },
        pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: 51200 },
      },
      created_at: { unix_timestamp: 1711929600, human_time: '17:25:11', human_date: '2024-06-12', timezone: 'UTC' },
    });
  });

  test('validation does not modify the input it was given', () => {
    const input = vendorExample();
    accepted(input);
    expect(input).toEqual(vendorExample());
  });

  test('numbers already sent as numbers are accepted as they are', () => {
    const payload = withPool('current_usage_kb', 51200);
    (payload.created_at as Json).unix_timestamp = 1711929600;
    const valid = accepted(payload);
    expect(view(valid.payload).data.pool.current_usage_kb).toBe(51200);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
  });
});

describe('subject and message attributes from the registry', () => {
  test('a pool event has the pool uuid as subject and pool, rule and usage attributes', () => {
    const valid = accepted(vendorExample());
    expect(valid.subject).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
    expect(valid.attributes).toEqual({ pool_uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', rule_uuid: '1711929600', current_usage_kb: 51200 });
  });

  test('the usage attribute is a number even when dRoam sent a string', () => {
    expect(typeof accepted(vendorExample()).attributes.current_usage_kb).toBe('number');
  });

  test.each([
    ['absent', undefined],
    ['null', null],
  ])('a pool event whose current_usage_kb is %s has no usage value', (_label, value) => {
    const valid = accepted(withPool('current_usage_kb', value));
    expect(valid.attributes.current_usage_kb ?? undefined).toBeUndefined();
    expect(valid.attributes.pool_uuid).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
  });

  test('an undocumented type has neither subject nor attributes', () => {
    const valid = accepted(unknownTypePayload());
    expect(valid.subject).toBeUndefined();
    expect(valid.attributes).toEqual({});
  });
});

describe('data.rule', () => {
  test.each(['1711929600', 'rule-42', 'x'])('a rule uuid that is not a UUID (%s) is accepted', (uuid) => {
    const payload = vendorExample();
    payload.data.rule.uuid = uuid;
    expect(view(accepted(payload).payload).data.rule.uuid).toBe(uuid);
  });

  test('an empty rule uuid is refused', () => {
    const payload = vendorExample();
    payload.data.rule.uuid = '';
    expect(paths(issuesOf(payload))).toEqual(['data.rule.uuid']);
  });

  test('a numeric rule uuid is refused (the model says string)', () => {
    const payload = vendorExample();
    payload.data.rule.uuid = 1711929600;
    expect(paths(issuesOf(payload))).toEqual(['data.rule.uuid']);
  });
});

describe('data.pool.uuid', () => {
  test.each([
    ['lower case', '34160e3a-3492-4f6f-bbf6-c9a9be15ea55'],
    ['upper case', '34160E3A-3492-4F6F-BBF6-C9A9BE15EA55'],
    ['mixed case', '34160e3A-3492-4F6f-bBf6-C9a9be15Ea55'],
    ['not version 4', '34160e3a-3492-1f6f-0bf6-c9a9be15ea55'],
  ])('a UUID-shaped uuid in %s is accepted and kept as sent', (_label, uuid) => {
    const valid = accepted(withPool('uuid', uuid));
    expect(view(valid.payload).data.pool.uuid).toBe(uuid);
    expect(valid.subject).toBe(uuid);
  });

  test.each([
    ['no dashes', '34160e3a34924f6fbbf6c9a9be15ea55'],
    ['a digit string', '1711929600'],
    ['a non-hex letter', '34160e3a-3492-4f6f-bbf6-c9a9be15ea5g'],
    ['one digit short', '34160e3a-3492-4f6f-bbf6-c9a9be15ea5'],
    ['braces', '{34160e3a-3492-4f6f-bbf6-c9a9be15ea55}'],
    ['surrounding space', ' 34160e3a-3492-4f6f-bbf6-c9a9be15ea55'],
    ['empty', ''],
    ['a number', 34160],
  ])('a pool uuid with %s is refused at data.pool.uuid', (_label, uuid) => {
    const issues = issuesOf(withPool('uuid', uuid));
    expect(paths(issues)).toEqual(['data.pool.uuid']);
    expect(issues[0]?.message).toEqual(expect.any(String));
    expect(issues[0]?.message).not.toBe('');
  });
});

describe('data.pool.current_usage_kb', () => {
  test.each([
    ['0', 0],
    [0, 0],
    ['51200', 51200],
    ['007', 7],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('%j is accepted as %j', (sent, expected) => {
    expect(view(accepted(withPool('current_usage_kb', sent)).payload).data.pool.current_usage_kb).toBe(expected);
  });

  test('absent is accepted and stays absent', () => {
    expect(view(accepted(withPool('current_usage_kb', undefined)).payload).data.pool).not.toHaveProperty('current_usage_kb');
  });

  test('null is accepted', () => {
    expect(view(accepted(withPool('current_usage_kb', null)).payload).data.pool.current_usage_kb).toBeNull();
  });

  test.each([
    ['a negative number', -1],
    ['a negative digit string', '-1'],
    ['a fraction', 1.5],
    ['a decimal string', '1.5'],
    ['letters after digits', '12a'],
    ['a leading space', ' 12'],
    ['a trailing space', '12 '],
    ['an exponent', '1e3'],
    ['an empty string', ''],
    ['full-width digits', '１２'],
    ['a boolean', true],
    ['an object', { kb: 1 }],
    ['an array', [1]],
    ['MAX_SAFE_INTEGER + 1 as a string', '9007199254740992'],
    ['MAX_SAFE_INTEGER + 2 as a string', '9007199254740993'],
    ['twenty nines', '99999999999999999999'],
    ['a number beyond MAX_SAFE_INTEGER', 2 ** 60],
  ])('%s is refused at data.pool.current_usage_kb', (_label, value) => {
    const issues = issuesOf(withPool('current_usage_kb', value));
    expect(new Set(paths(issues))).toEqual(new Set(['data.pool.current_usage_kb']));
  });
});

describe('created_at.unix_timestamp', () => {
  test.each([
    ['the last second of year 9999', 253402300799],
    ['the last second of year 9999, as a string', '253402300799'],
    ['the epoch', 0],
  ])('%s is accepted', (_label, value) => {
    expect(accepted(withCreatedAt('unix_timestamp', value)).payload.created_at.unix_timestamp).toBe(Number(value));
  });

  test.each([
    ['the first second of year 10000', 253402300800],
    ['the first second of year 10000, as a string', '253402300800'],
    ['a millisecond timestamp far beyond 9999', '17119296000000000'],
    ['a negative number', -1],
    ['a fraction', 1711929600.5],
    ['an ISO date', '2024-04-01T00:00:00Z'],
    ['an empty string', ''],
    ['null', null],
  ])('%s is refused at created_at.unix_timestamp', (_label, value) => {
    expect(new Set(paths(issuesOf(withCreatedAt('unix_timestamp', value))))).toEqual(new Set(['created_at.unix_timestamp']));
  });
});

describe('missing required fields', () => {
  test.each([
    ['data.rule.uuid', (p: ReturnType<typeof vendorExample>) => delete p.data.rule.uuid],
    ['data.rule.name', (p: ReturnType<typeof vendorExample>) => delete p.data.rule.name],
    ['data.rule.description', (p: ReturnType<typeof vendorExample>) => delete p.data.rule.description],
    ['data.pool.uuid', (p: ReturnType<typeof vendorExample>) => delete p.data.pool.uuid],
    ['data.pool.name', (p: ReturnType<typeof vendorExample>) => delete p.data.pool.name],
    ['data.rule', (p: ReturnType<typeof vendorExample>) => delete (p.data as Json).rule],
    ['data.pool', (p: ReturnType<typeof vendorExample>) => delete (p.data as Json).pool],
    ['data', (p: ReturnType<typeof vendorExample>) => delete (p as Json).data],
    ['created_at', (p: ReturnType<typeof vendorExample>) => delete (p as Json).created_at],
    ['created_at.unix_timestamp', (p: ReturnType<typeof vendorExample>) => delete p.created_at.unix_timestamp],
    ['created_at.human_time', (p: ReturnType<typeof vendorExample>) => delete p.created_at.human_time],
    ['created_at.human_date', (p: ReturnType<typeof vendorExample>) => delete p.created_at.human_date],
    ['created_at.timezone', (p: ReturnType<typeof vendorExample>) => delete p.created_at.timezone],
  ])('without %s: "Required field is missing" at that path', (path, remove) => {
    const payload = vendorExample();
    remove(payload);
    expect(issuesOf(payload)).toEqual([{ path, message: 'Required field is missing' }]);
  });

  test('the body of events/error-invalid-payload.json is refused for its missing pool uuid only', () => {
    expect(issuesOf(payloadOf(loadEvent('error-invalid-payload.json')))).toEqual([{ path: 'data.pool.uuid', message: 'Required field is missing' }]);
  });

  test('several missing fields are all reported, each at its own path', () => {
    const issues = issuesOf({ type: POOL_TYPE, data: { rule: {}, pool: {} }, created_at: {} });
    expect(issues.every((issue) => issue.message === 'Required field is missing')).toBe(true);
    expect(new Set(paths(issues))).toEqual(
      new Set([
        'data.rule.uuid',
        'data.rule.name',
        'data.rule.description',
        'data.pool.uuid',
        'data.pool.name',
        'created_at.unix_timestamp',
        'created_at.human_time',
        'created_at.human_date',
        'created_at.timezone',
      ]),
    );
  });

  test('a field of the wrong type is not reported as missing', () => {
    const payload = vendorExample();
    payload.data.pool.name = 42;
    const issues = issuesOf(payload);
    expect(paths(issues)).toEqual(['data.pool.name']);
    expect(issues[0]?.message).not.toBe('Required field is missing');
  });

  test('a null required field is refused', () => {
    const payload = vendorExample();
    payload.data.pool.name = null;
    expect(paths(issuesOf(payload))).toEqual(['data.pool.name']);
  });
});

describe('objects and arrays', () => {
  test.each([
    ['the payload', (p: Json) => [p], ''],
    ['data', (p: Json) => ({ ...p, data: [] }), 'data'],
    ['data.pool', (p: ReturnType<typeof vendorExample>) => ({ ...p, data: { ...p.data, pool: [p.data.pool] } }), 'data.pool'],
    ['data.rule', (p: ReturnType<typeof vendorExample>) => ({ ...p, data: { ...p.data, rule: [] } }), 'data.rule'],
    ['created_at', (p: Json) => ({ ...p, created_at: [] }), 'created_at'],
  ])('an array where %s must be an object is refused', (_label, build, path) => {
    const issues = issuesOf(build(vendorExample()));
    expect(paths(issues)).toContain(path);
  });

  test('an array for data is refused for an undocumented type as well', () => {
    expect(paths(issuesOf({ ...unknownTypePayload(), data: [] }))).toEqual(['data']);
  });

  test.each([null, 'a string', 42, true])('a payload that is %j is refused without throwing', (input) => {
    expect(payloadTypes.validate(input).ok).toBe(false);
  });
});

describe('unknown fields are kept at every level', () => {
  test('extra fields at the top, in data, rule, pool and created_at survive validation and are published', () => {
    const payload: Json & { data: Json & { rule: Json; pool: Json }; created_at: Json } = vendorExample();
    payload.delivery = { attempt: 2 };
    payload.data.organization = { uuid: 'ff472de7-59b2-425d-96ec-9d1ff4bab684' };
    payload.data.rule.threshold_mb = 100;
    payload.data.pool.static = true;
    payload.data.pool.limits = { monthly_kb: 104857600, tags: ['eu', 'trackers'] };
    payload.created_at.iso = '2024-04-01T00:00:00Z';
    const valid = accepted(payload);
    const kept = view(valid.payload) as PoolView & Json & { data: Json };
    // A top-level field no schema declares is published as sent, in droamenvelope.
    expect((JSON.parse(toCloudEvent(valid, 'droam').droamenvelope) as Json).delivery).toEqual({ attempt: 2 });
    expect(kept.data.organization).toEqual({ uuid: 'ff472de7-59b2-425d-96ec-9d1ff4bab684' });
    expect(kept.data.rule.threshold_mb).toBe(100);
    expect(kept.data.pool.static).toBe(true);
    expect(kept.data.pool.limits).toEqual({ monthly_kb: 104857600, tags: ['eu', 'trackers'] });
    expect(kept.created_at.iso).toBe('2024-04-01T00:00:00Z');
  });

  test('an undocumented type keeps all of data as sent', () => {
    const valid = accepted(unknownTypePayload());
    expect(valid.payload.data).toEqual(unknownTypePayload().data);
  });
});

describe('__proto__ and constructor keys', () => {
  const hostile = `{
    "__proto__": { "polluted": "top" },
    "constructor": { "prototype": { "polluted": "constructor" } },
    "type": "rule.pool.usage.triggered",
    "data": {
      "__proto__": { "polluted": "data" },
      "rule": { "uuid": "1711929600", "name": "r", "description": "d", "__proto__": { "polluted": "rule" } },
      "pool": { "uuid": "34160e3a-3492-4f6f-bbf6-c9a9be15ea55", "name": "p", "constructor": { "prototype": { "polluted": "pool" } },
                "extra": { "__proto__": { "polluted": "extra" } } }
    },
    "created_at": { "unix_timestamp": "1711929600", "human_time": "", "human_date": "", "timezone": "UTC", "__proto__": { "polluted": "created_at" } }
  }`;

  test('do not pollute Object.prototype, and the result has plain objects at every validated level', () => {
    const valid = accepted(JSON.parse(hostile) as unknown);
    expect(({} as Json).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const payload = view(valid.payload) as PoolView & { data: Json };
    for (const object of [payload, payload.data, payload.data.rule, payload.data.pool, payload.created_at]) {
      expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
      expect((object as Json).polluted).toBeUndefined();
    }
  });

  test('the fields around them are still validated and kept', () => {
    const valid = accepted(JSON.parse(hostile) as unknown);
    expect(valid.subject).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
  });

  test('a __proto__ key cannot smuggle in a required field', () => {
    const payload = JSON.parse(
      '{"type":"rule.pool.usage.triggered","data":{"rule":{"uuid":"1","name":"r","description":"d"},"pool":{"__proto__":{"uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55"},"name":"p"}},"created_at":{"unix_timestamp":1,"human_time":"","human_date":"","timezone":""}}',
    ) as unknown;
    expect(issuesOf(payload)).toEqual([{ path: 'data.pool.uuid', message: 'Required field is missing' }]);
  });
});

describe('types the registry does not declare', () => {
  test('an undocumented type with a valid envelope is accepted with declared: false', () => {
    const valid = accepted(unknownTypePayload());
    expect(valid.type).toBe(UNKNOWN_TYPE);
    expect(valid.declared).toBe(false);
    expect(valid.payload.created_at.unix_timestamp).toBe(1704067200);
  });

  test('its created_at is normalised like a declared type', () => {
    const payload = { ...unknownTypePayload(), created_at: { unix_timestamp: '1704067200', human_time: '', human_date: '', timezone: 'UTC' } };
    expect(accepted(payload).payload.created_at.unix_timestamp).toBe(1704067200);
  });

  test.each([
    ['no type', (p: Json) => ({ data: p.data, created_at: p.created_at }), 'type', 'Required field is missing'],
    ['no data', (p: Json) => ({ type: p.type, created_at: p.created_at }), 'data', 'Required field is missing'],
    ['no created_at', (p: Json) => ({ type: p.type, data: p.data }), 'created_at', 'Required field is missing'],
  ])('an undocumented type with %s is refused', (_label, build, path, message) => {
    expect(issuesOf(build(unknownTypePayload()))).toEqual([{ path, message }]);
  });

  test.each([
    ['an empty type', ''],
    ['a numeric type', 42],
  ])('%s is refused at type', (_label, type) => {
    expect(paths(issuesOf({ ...unknownTypePayload(), type }))).toEqual(['type']);
  });

  test('an undocumented type with a bad created_at is refused at the right path', () => {
    const payload = { ...unknownTypePayload(), created_at: { unix_timestamp: 'yesterday', human_time: '', human_date: '', timezone: '' } };
    expect(paths(issuesOf(payload))).toEqual(['created_at.unix_timestamp']);
  });

  test('a payload of the pool type is checked against the pool schema, not merely the envelope', () => {
    const payload = { ...unknownTypePayload(), type: POOL_TYPE };
    expect(payloadTypes.validate(payload).ok).toBe(false);
  });
});

describe('echo requests (endpoint validation)', () => {
  test.each([
    ['the flat shape of the validation page', { type: 'echo', echo_data: 'something:Echo:data:123' }],
    [
      'the enveloped shape of the technical payloads page',
      { type: 'echo', data: { echo_data: 'echo:Ariel:1715854344' }, created_at: { unix_timestamp: 1715854344 } },
    ],
    ['extra fields', { type: 'echo', echo_data: 'abc', sent_by: 'dRoam' }],
  ])('%s is an echo', (_label, body) => {
    expect(isEcho(body)).toBe(true);
  });

  test.each(['echo-flat.json', 'echo-enveloped.json'])('the body of events/%s is an echo', (file) => {
    expect(isEcho(payloadOf(loadEvent(file)))).toBe(true);
  });

  test.each([
    ['another type', { type: 'Echo', echo_data: 'x' }],
    ['no echo_data', { type: 'echo' }],
    ['a numeric echo_data', { type: 'echo', echo_data: 123 }],
    ['echo_data in data as a number', { type: 'echo', data: { echo_data: 1 } }],
    ['echo_data without a type', { echo_data: 'x' }],
    ['an array', [{ type: 'echo', echo_data: 'x' }]],
    ['null', null],
    ['a string', 'echo'],
  ])('%s is not an echo', (_label, body) => {
    expect(isEcho(body)).toBe(false);
  });
});
