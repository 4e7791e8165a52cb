import { canonicalJson } from '../../lib/contract/json';
import { MAX_JSON_DEPTH, MAX_OBJECT_MEMBERS, parseJsonBody } from '../../lib/relay/parse-json';

const nested = (depth: number, open = '[', close = ']'): string => `${open.repeat(depth)}${close.repeat(depth)}`;

function parsed(body: Buffer | string): unknown {
  const result = parseJsonBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  if (!result.ok) throw new Error(`expected JSON, got: ${result.message}`);
  return result.value;
}

function refusal(body: Buffer | string): string {
  const result = parseJsonBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  if (result.ok) throw new Error('expected the body to be refused');
  return result.message;
}

describe('parseJsonBody', () => {
  test('parses a JSON object', () => {
    expect(parsed('{"type":"echo","echo_data":"a:b"}')).toEqual({ type: 'echo', echo_data: 'a:b' });
  });

  test('an empty body is refused, with a message saying so', () => {
    expect(refusal(Buffer.alloc(0))).toMatch(/empty/i);
  });

  test.each([
    ['a truncated object', '{"type":"rule.pool.usage.triggered","data":{'],
    ['white space only', '   \n'],
    ['single quotes', "{'a':1}"],
    ['a trailing comma', '{"a":1,}'],
    ['form data', 'type=rule.pool.usage.triggered'],
  ])('%s is refused as not JSON', (_label, text) => {
    expect(refusal(text)).toMatch(/JSON/);
  });

  test.each([
    ['a lone continuation byte', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d]],
    ['0xff', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]],
    ['a truncated two-byte sequence', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d]],
    ['an overlong encoding of "/"', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]],
    ['a UTF-16 surrogate encoded in UTF-8', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]],
  ])('invalid UTF-8 (%s) is refused, not replaced with U+FFFD', (_label, bytes) => {
    expect(refusal(Buffer.from(bytes))).toMatch(/UTF-8/);
  });

  test('a UTF-16 body is refused', () => {
    expect(parseJsonBody(Buffer.from('\ufeff{"a":1}', 'utf16le')).ok).toBe(false);
  });

  test('a UTF-8 byte order mark is dropped before parsing', () => {
    expect(parsed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))).toEqual({ a: 1 });
  });

  test('multi-byte characters survive', () => {
    expect(parsed('{"name":"Pööl ✓ 𝔘"}')).toEqual({ name: 'Pööl ✓ 𝔘' });
  });

  test(`nesting of exactly ${String(MAX_JSON_DEPTH)} levels is accepted`, () => {
    expect(parseJsonBody(Buffer.from(nested(MAX_JSON_DEPTH))).ok).toBe(true);
    const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}{}${'}'.repeat(MAX_JSON_DEPTH - 1)}`;
    expect(parseJsonBody(Buffer.from(objects)).ok).toBe(true);
  });

  test(`nesting one level deeper than ${String(MAX_JSON_DEPTH)} is refused, for arrays and objects alike`, () => {
    expect(refusal(nested(MAX_JSON_DEPTH + 1))).toMatch(/deep|nest/i);
    const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH)}{}${'}'.repeat(MAX_JSON_DEPTH)}`;
    expect(parseJsonBody(Buffer.from(objects)).ok).toBe(false);
  });

  test('a body nested a hundred thousand levels deep is refused without throwing', () => {
    expect(() => parseJsonBody(Buffer.from(nested(100_000)))).not.toThrow();
    expect(parseJsonBody(Buffer.from(nested(100_000))).ok).toBe(false);
  });

  const members = (count: number, from = 0): string => Array.from({ length: count }, (_, i) => `"k${String(from + i)}":0`).join(',');

  test(`an object of ${String(MAX_OBJECT_MEMBERS)} members is accepted, at any depth, and as many objects of that width as fit`, () => {
    expect(parseJsonBody(Buffer.from(`{${members(MAX_OBJECT_MEMBERS)}}`)).ok).toBe(true);
    expect(parseJsonBody(Buffer.from(`{"a":{"b":[{${members(MAX_OBJECT_MEMBERS - 1)},"c":{${members(MAX_OBJECT_MEMBERS)}}}]}}`)).ok).toBe(true);
    const wide = `{${members(MAX_OBJECT_MEMBERS)}}`;
    expect(parseJsonBody(Buffer.from(`[${Array.from({ length: 10 }, () => wide).join(',')}]`)).ok).toBe(true);
    // Colons inside strings are not members, and arrays have none.
    expect(parseJsonBody(Buffer.from(`{"a":"${':'.repeat(5000)}","b":[${Array.from({ length: 5000 }, () => '1').join(',')}]}`)).ok).toBe(true);
  });

  test(`an object of more than ${String(MAX_OBJECT_MEMBERS)} members is refused before it is built, wherever it is`, () => {
    expect(refusal(`{${members(MAX_OBJECT_MEMBERS + 1)}}`)).toBe(`The body has an object of more than ${String(MAX_OBJECT_MEMBERS)} members`);
    expect(refusal(`{"type":"end_user.added","data":{"end_user":{${members(30_000)}}}}`)).toMatch(/more than 1000 members/);
    // Its members after a nested object still count: the nested one's do not.
    expect(refusal(`{${members(500)},"n":{${members(10)}},${members(501, 500)}}`)).toMatch(/more than 1000 members/);
  });

  test('brackets inside strings do not count as nesting', () => {
    const text = JSON.stringify({ text: '['.repeat(1000), quoted: 'a \\" [[[ "{{{', deeper: { x: ']'.repeat(500) } });
    expect(parsed(text)).toEqual(JSON.parse(text));
  });

  test('an escaped quote does not end a string early', () => {
    const text = `{"a":"\\"${'['.repeat(MAX_JSON_DEPTH + 10)}"}`;
    expect(parseJsonBody(Buffer.from(text)).ok).toBe(true);
  });

  test('a __proto__ key is dropped, never set as a prototype', () => {
    const value = parsed('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.keys(value)).toEqual(['a']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});

describe('canonicalJson', () => {
  test('key order does not matter, at any depth', () => {
    const a = { type: 't', data: { pool: { uuid: 'u', name: 'n' }, rule: { b: 1, a: [{ y: 2, x: 1 }] } }, created_at: { z: 1, a: 2 } };
    const b = { created_at: { a: 2, z: 1 }, data: { rule: { a: [{ x: 1, y: 2 }], b: 1 }, pool: { name: 'n', uuid: 'u' } }, type: 't' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  test('white space of the original text does not matter', () => {
    const compact = JSON.parse('{"a":1,"b":[1,2,{"c":"d"}]}') as unknown;
    const spaced = JSON.parse('{\n  "b" : [ 1 , 2 , { "c" : "d" } ],\n  "a" : 1\n}') as unknown;
    expect(canonicalJson(compact)).toBe(canonicalJson(spaced));
  });

  test('array order matters', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  test.each([
    ['a value', { a: 1 }, { a: 2 }],
    ['a key', { a: 1 }, { b: 1 }],
    ['a type', { a: 1 }, { a: '1' }],
    ['null vs absent', { a: null }, {}],
    ['nesting', { a: { b: 1 } }, { 'a.b': 1 }],
    ['a string with a quote', { a: 'x","b":"y' }, { a: 'x', b: 'y' }],
  ])('different content (%s) gives different text', (_label, x, y) => {
    expect(canonicalJson(x)).not.toBe(canonicalJson(y));
  });

  test('the result is JSON that parses back to the same value', () => {
    const value = { z: [1, 'two', { three: 3, 'fo"ur': null }], a: { 'ünïcode ✓': true, '': -0.5 }, m: 'line\nbreak' };
    const text = canonicalJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"m"'));
    expect(text.indexOf('"m"')).toBeLessThan(text.indexOf('"z"'));
    // No white space outside strings: the text is exactly what JSON.stringify writes for the order it has.
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
  });
});
