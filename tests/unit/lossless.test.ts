import fc from 'fast-check';
import * as v from 'valibot';
import { canonicalJson, isExactNumberText, JsonNumber, parseJsonText } from '../../lib/contract/json';
import { decimalLike, integerLike, plainDecimal } from '../../lib/contract/schemas/common';
import { authHeaders, cloudEventOf, DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP, harness, type Json, v2Event, vendorExample } from '../support/unit/harness';

/** Numbers a double cannot print back as sent: each must reach subscribers with exactly this text. */
const INEXACT_NUMBERS = [
  '12345678901234567890',
  '9007199254740993',
  '1e400',
  '-1e400',
  '35.20',
  '-0',
  '1.0',
  '1E5',
  '0.1000',
  '-0.0',
  '1e-400',
  '123456789012345678901234567890.5',
];

const parse = (text: string): unknown => {
  const parsed = parseJsonText(text, 64);
  if (!parsed.ok) throw new Error(`not parsed: ${text}`);
  return parsed.value;
};

/** The relay on the local stage, signed requests with the documented example secret. */
function relay() {
  const relayed = harness();
  const post = (body: string) => relayed.handle(v2Event(body, authHeaders(DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP)));
  return { ...relayed, post };
}

/** An event of a type no declaration knows, whose `data` is the given JSON text, as dRoam would send it. */
const undeclaredBody = (dataText: string): string =>
  `{"type":"payment.received","data":${dataText},"created_at":{"unix_timestamp":1704067200,"human_time":"00:00:00","human_date":"2024-01-01","timezone":"UTC"}}`;

describe('numbers reach subscribers with the text dRoam sent', () => {
  test.each(INEXACT_NUMBERS)('%s in the data of an undeclared type is published as sent', async (number) => {
    const { post, published } = relay();
    const response = await post(undeclaredBody(`{"id":${number},"list":[${number}],"amount":{"value":${number}}}`));
    expect(response.statusCode).toBe(200);
    expect(published).toHaveLength(1);
    const message = published[0]?.Message ?? '';
    // Keys are written sorted (one text per event); every number as sent.
    expect(message).toContain(`"data":{"amount":{"value":${number}},"id":${number},"list":[${number}]}`);
  });

  test('an unknown field inside a declared model keeps its text too', async () => {
    const { post, published } = relay();
    const payload = vendorExample();
    const body = JSON.stringify(payload).replace('"name":"Pool Name"', '"name":"Pool Name","quota_bytes":12345678901234567890,"ratio":35.20');
    expect((await post(body)).statusCode).toBe(200);
    expect(published[0]?.Message).toContain('"quota_bytes":12345678901234567890,"ratio":35.20,');
  });

  test('a declared integer is normalised only when exact: 51200.0 and 5.12e4 become 51200', async () => {
    for (const usage of ['51200.0', '5.12e4', '"51200"']) {
      const { post, published } = relay();
      const body = JSON.stringify(vendorExample()).replace('"current_usage_kb":"51200"', `"current_usage_kb":${usage}`);
      expect((await post(body)).statusCode).toBe(200);
      expect(published[0]?.Message).toContain('"current_usage_kb":51200,');
      expect(published[0]?.MessageAttributes.current_usage_kb?.StringValue).toBe('51200');
    }
  });

  test.each(['12345678901234567890', '9007199254740993', '1e400', '51200.5', '-1', '"12345678901234567890"'])(
    'a declared integer that no exact integer holds (%s) is refused with 422, never rounded',
    async (usage) => {
      const { post, published } = relay();
      const body = JSON.stringify(vendorExample()).replace('"current_usage_kb":"51200"', `"current_usage_kb":${usage}`);
      const response = await post(body);
      expect(response.statusCode).toBe(422);
      expect(response.body).toContain('data.pool.current_usage_kb');
      expect(published).toHaveLength(0);
    },
  );
});

describe('declared normalisations are exact', () => {
  test.each([
    ['35.20', '35.20'],
    ['-0', '-0'],
    ['1.5e2', '150'],
    ['3.50e1', '35.0'],
    ['1E-2', '0.01'],
    ['12345678901234567890.10', '12345678901234567890.10'],
  ])('money sent as the number %s is published as the decimal string %p', (source, published) => {
    expect(v.parse(decimalLike(), parse(source))).toBe(published);
  });

  test.each(['1e400', '-1e400', '1e-400'])('money that cannot be written out in 64 digits (%s) is refused', (source) => {
    expect(v.safeParse(decimalLike(), parse(source)).success).toBe(false);
  });

  test('an integer sent as a number a double cannot hold is refused, not rounded', () => {
    expect(v.safeParse(integerLike(), parse('12345678901234567890')).success).toBe(false);
    expect(v.safeParse(integerLike(), parse('9007199254740993')).success).toBe(false);
    expect(v.safeParse(integerLike(), parse('1.0000000000000000001')).success).toBe(false);
    expect(v.parse(integerLike(), parse('9007199254740991'))).toBe(9007199254740991);
    expect(Object.is(v.parse(integerLike(), parse('-0')), 0)).toBe(true);
  });

  test('plainDecimal keeps the value exactly, for any decimal written with any exponent', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: -20, max: 20 }),
        (digits, scale, exponent) => {
          // digits × 10^-scale, written as mantissa × 10^exponent.
          const sign = digits < 0n ? '-' : '';
          const magnitude = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
          const mantissa = scale === 0 ? magnitude : `${magnitude.slice(0, -scale)}.${magnitude.slice(-scale)}`;
          const plain = plainDecimal(`${sign}${mantissa}e${exponent}`);
          if (plain === undefined) return;
          // Same value: compare as integers scaled by 10^60.
          const scaled = (text: string): bigint => {
            const [whole = '', fraction = ''] = text.replace('-', '').split('.');
            const value = BigInt(whole + fraction.padEnd(60, '0'));
            return text.startsWith('-') ? -value : value;
          };
          const expected = (digits < 0n ? -1n : 1n) * BigInt((digits < 0n ? -digits : digits).toString() + '0'.repeat(60 - scale + exponent));
          expect(scaled(plain)).toBe(expected);
        },
      ),
    );
  });
});

describe('parseJsonText', () => {
  test('inexact numbers become JsonNumbers with their text; exact ones stay numbers', () => {
    expect(parse('[1,0.5,1e+21,-2]')).toEqual([1, 0.5, 1e21, -2]);
    for (const number of INEXACT_NUMBERS) expect(parse(`[${number}]`)).toEqual([new JsonNumber(number)]);
  });

  test('prototype-like keys are dropped at every depth, on either route, and counted', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', '__pro\\u0074o__']) {
      for (const text of [`{"${key}":1,"a":{"${key}":{"b":1},"c":[{"${key}":2}]}}`, `{"${key}":1.50,"a":{"${key}":{"b":1},"c":[{"${key}":2}]}}`]) {
        const parsed = parseJsonText(text, 64);
        expect(parsed).toEqual({ ok: true, value: { a: { c: [{}] } }, droppedKeys: 3 });
      }
    }
    expect(Object.prototype).not.toHaveProperty('b');
  });

  test('agrees with JSON.parse on what is JSON, and on every value where numbers are exact', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.json().map((text) => text.slice(0, -1)),
        ),
        (text) => {
          let expected: unknown;
          let valid = true;
          try {
            expected = JSON.parse(text);
          } catch {
            valid = false;
          }
          const parsed = parseJsonText(text, 1000);
          expect(parsed.ok).toBe(valid);
          if (parsed.ok && !/__proto__|constructor|prototype/.test(text)) {
            // Numbers that a double holds are equal; the rest are JsonNumbers whose text JSON.parse would have rounded.
            expect(JSON.parse(canonicalJson(parsed.value))).toEqual(expected);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('a number is exact when a double prints it back as sent: the spelling rules agree with converting it, for every JSON number', () => {
    const doubles = fc.double({ noNaN: true, noDefaultInfinity: true }).map(String);
    fc.assert(
      fc.property(fc.oneof(jsonNumberText, doubles, fc.integer().map(String), fc.bigInt().map(String)), (text) => {
        expect([text, isExactNumberText(text)]).toEqual([text, String(Number(text)) === text]);
      }),
      { numRuns: 20_000 },
    );
    for (const text of ['0', '-0', '0.000001', '0.0000001', '1e-7', '1e+21', '1e21', '100000000000000000000', '1e+20', '5e-324', '0.1234567890123456'])
      expect([text, isExactNumberText(text)]).toEqual([text, String(Number(text)) === text]);
  });

  test('a JsonNumber of another copy of the class (the events package loaded as ES module and as CommonJS) is a JsonNumber', () => {
    let Other: typeof JsonNumber | undefined;
    jest.isolateModules(() => {
      ({ JsonNumber: Other } = jest.requireActual<typeof import('../../lib/contract/json')>('../../lib/contract/json'));
    });
    if (Other === undefined) throw new Error('no second copy');
    expect(Other).not.toBe(JsonNumber);
    expect(new Other('1.50')).toBeInstanceOf(JsonNumber);
    expect(new JsonNumber('1.50')).toBeInstanceOf(Other);
    expect({ source: '1.50' }).not.toBeInstanceOf(JsonNumber);
    expect(null).not.toBeInstanceOf(JsonNumber);
  });

  test('the parser of its own gives what JSON.parse gives when a body takes the native route', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const native = parseJsonText(text, 1000);
        // A trailing inexact number forces the parser of our own; the rest must come out the same.
        const own = parseJsonText(`[${text},1.50]`, 1000);
        expect(own.ok && native.ok).toBe(true);
        if (own.ok && native.ok) expect(own.value).toEqual([native.value, new JsonNumber('1.50')]);
      }),
      { numRuns: 1000 },
    );
  });
});

/** JSON text whose numbers are any JSON number text, including those a double cannot hold. */
const jsonNumberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 40n }).map(String)),
    fc.option(fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: 1, maxLength: 8 }), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 500 })), { nil: undefined }),
  )
  .map(
    ([negative, whole, fraction, exponent]) =>
      `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : exponent.join('')}`,
  );

const { jsonText } = fc.letrec<{ jsonText: string; member: string }>((tie) => ({
  jsonText: fc.oneof(
    { depthSize: 'small' },
    jsonNumberText,
    fc.string().map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('jsonText'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.uniqueArray(tie('member'), { maxLength: 4, selector: (member) => member.slice(0, member.indexOf('":') + 1) }).map((members) => `{${members.join(',')}}`),
  ),
  member: fc.tuple(fc.string({ maxLength: 6 }), tie('jsonText')).map(([key, value]) => `${JSON.stringify(key)}:${value}`),
}));

describe('canonicalJson writes what was parsed', () => {
  test('parsing what it writes gives the same value back, every number with its text', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const value = parse(text);
        expect(parse(canonicalJson(value))).toEqual(value);
        expect(canonicalJson(parse(canonicalJson(value)))).toBe(canonicalJson(value));
      }),
      { numRuns: 1000 },
    );
  });

  test('every number text survives, in place', () => {
    fc.assert(
      fc.property(fc.array(jsonNumberText, { maxLength: 8 }), (numbers) => {
        expect(canonicalJson(parse(`[${numbers.join(',')}]`))).toBe(`[${numbers.join(',')}]`);
      }),
    );
  });

  test('for values without JsonNumbers: JSON that parses back to the value, no white space, keys sorted', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(text).toHaveLength(JSON.stringify(value).length);
      }),
    );
    expect(canonicalJson({ b: 1, a: { d: [], c: 'x' }, 10: 0, 9: 0 })).toBe('{"10":0,"9":0,"a":{"c":"x","d":[]},"b":1}');
  });

  test('JSON.stringify of a JsonNumber prints its text where the runtime has JSON.rawJSON', () => {
    const hasRawJson = typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function';
    expect(JSON.stringify([new JsonNumber('35.20')])).toBe(hasRawJson ? '[35.20]' : '[35.2]');
    expect(canonicalJson({ b: [new JsonNumber('-0')], a: new JsonNumber('1e400') })).toBe('{"a":1e400,"b":[-0]}');
  });
});

describe('canonicalJson', () => {
  test('numbers are written as sent, so values that differ in any digit, scale or sign differ', () => {
    const texts = ['12345678901234567890', '12345678901234567891', '35.2', '35.20', '0', '-0', '1e400', '1E400', '-1e400'];
    const canonical = texts.map((text) => canonicalJson({ a: parse(text) }));
    expect(new Set(canonical).size).toBe(texts.length);
  });
});

describe('what a subscriber receives parses back to the same numbers', () => {
  test('the Message of a published event carries every number as sent, and the relay reads its own message back losslessly', async () => {
    const { post, published } = relay();
    await post(undeclaredBody(`{"values":[${INEXACT_NUMBERS.join(',')}]}`));
    const event = cloudEventOf(published[0] ?? { Message: '{}', MessageAttributes: {} }) as Json & { data: Json };
    expect(Object.keys(event.data)).toEqual(['values']);
    const reparsed = parse(published[0]?.Message ?? '') as { data: { values: unknown[] } };
    expect(reparsed.data.values).toEqual(INEXACT_NUMBERS.map((number) => new JsonNumber(number)));
  });
});
