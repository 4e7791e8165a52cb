import { decodeRequest } from '../../lib/relay/decode';
import { bodyBytes, DOCUMENTED_HASH, DOCUMENTED_TIMESTAMP, loadEvent, v2Event } from '../support/unit/harness';

/** API Gateway HTTP API (2.0), REST API proxy (1.0) and function URL events, and whatever else arrives. */

describe('the sample events', () => {
  test('HTTP API 2.0 (events/pool-usage.json)', () => {
    const event = loadEvent('pool-usage.json');
    const request = decodeRequest(event);
    expect(request.format).toBe('http-api-v2');
    expect(request.method).toBe('POST');
    expect(request.body.equals(Buffer.from(event.body ?? '', 'utf8'))).toBe(true);
    expect(request.headers.get('x-api-timestamp')).toBe(String(DOCUMENTED_TIMESTAMP));
    expect(request.headers.get('x-api-hash')).toBe(DOCUMENTED_HASH);
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.sourceIp).toBe('203.0.113.10');
    expect(request.requestId).toBe('Qx1aBh3kIAMEV2B=');
  });

  test('REST API 1.0 with Title-Case names and multiValueHeaders (events/pool-usage-rest-api.json)', () => {
    const event = loadEvent('pool-usage-rest-api.json');
    const request = decodeRequest(event);
    expect(request.format).toBe('rest-api-v1');
    expect(request.method).toBe('POST');
    expect(request.body.toString('utf8')).toBe(event.body);
    expect(request.headers.get('x-api-timestamp')).toBe(String(DOCUMENTED_TIMESTAMP));
    expect(request.headers.get('x-api-hash')).toBe(DOCUMENTED_HASH);
    expect(request.headers.get('content-type')).toBe('application/json');
    expect([...request.headers.keys()].every((name) => name === name.toLowerCase())).toBe(true);
    expect(request.sourceIp).toBe('203.0.113.10');
    expect(request.requestId).toBe('6f1d2c3b-4a5e-4f60-8a71-92b3c4d5e6f7');
  });

  test('Lambda function URL (events/pool-usage-function-url.json)', () => {
    const request = decodeRequest(loadEvent('pool-usage-function-url.json'));
    expect(request.format).toBe('function-url');
    expect(request.method).toBe('POST');
    expect(request.headers.get('x-api-hash')).toBe(DOCUMENTED_HASH);
    expect(request.requestId).toBe('0c9b8a7f-6e5d-4c3b-8a19-f8e7d6c5b4a3');
  });

  test('a base64 body (events/pool-usage-base64.json) is decoded to the bytes dRoam sent', () => {
    const event = loadEvent('pool-usage-base64.json');
    expect(event.isBase64Encoded).toBe(true);
    const request = decodeRequest(event);
    expect(request.body.equals(bodyBytes(event))).toBe(true);
    // The same payload as the plain sample.
    expect(request.body.toString('utf8')).toBe(loadEvent('pool-usage.json').body);
  });

  test('every sample event decodes to a POST with a body and dRoam-style headers or none', () => {
    for (const file of ['pool-usage-vendor-example.json', 'pool-usage-without-usage.json', 'company-updated.json', 'echo-flat.json', 'echo-enveloped.json']) {
      const event = loadEvent(file);
      const request = decodeRequest(event);
      expect(request.method).toBe('POST');
      expect(request.body.equals(bodyBytes(event))).toBe(true);
    }
  });
});

describe('header names in any case', () => {
  test.each([
    ['lower', 'x-api-hash'],
    ['upper', 'X-API-HASH'],
    ['title', 'X-Api-Hash'],
    ['odd', 'x-ApI-hAsH'],
  ])('a %s-case name is found under its lower-case form', (_label, name) => {
    const request = decodeRequest(v2Event('{}', { [name]: 'abc' }));
    expect(request.headers.get('x-api-hash')).toBe('abc');
  });

  test('REST API multi-valued headers are joined with commas and not doubled by the single-valued copy', () => {
    const request = decodeRequest({
      httpMethod: 'POST',
      headers: { 'X-Forwarded-For': '198.51.100.1', 'Content-Type': 'application/json' },
      multiValueHeaders: { 'X-Forwarded-For': ['203.0.113.10', '198.51.100.1'], 'Content-Type': ['application/json'] },
      body: '{}',
    });
    expect(request.format).toBe('rest-api-v1');
    expect(request.headers.get('x-forwarded-for')).toBe('203.0.113.10,198.51.100.1');
    expect(request.headers.get('content-type')).toBe('application/json');
  });

  test('REST API headers only in headers (multiValueHeaders null) are read', () => {
    const request = decodeRequest({ httpMethod: 'POST', headers: { 'X-Api-Timestamp': '1' }, multiValueHeaders: null, body: '{}' });
    expect(request.headers.get('x-api-timestamp')).toBe('1');
  });
});

describe('bodies', () => {
  test('a base64 body with bytes that are not UTF-8 is kept byte for byte', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const request = decodeRequest({ ...v2Event(''), body: bytes.toString('base64'), isBase64Encoded: true });
    expect(request.body.equals(bytes)).toBe(true);
  });

  test('a plain body with non-ASCII characters is its UTF-8 encoding', () => {
    const request = decodeRequest(v2Event('{"name":"Pööl ✓ 𝔘"}'));
    expect(request.body.equals(Buffer.from('{"name":"Pööl ✓ 𝔘"}', 'utf8'))).toBe(true);
  });

  test('a REST API base64 body is decoded too', () => {
    const request = decodeRequest({ httpMethod: 'POST', headers: {}, body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true });
    expect(request.body.toString('utf8')).toBe('{"a":1}');
  });

  test.each([
    ['null', null],
    ['absent', undefined],
    ['a number', 42],
    ['an object (already parsed by someone)', { type: 'echo' }],
  ])('a body that is %s decodes to an empty body', (_label, body) => {
    const request = decodeRequest({ ...v2Event(''), body });
    expect(request.body.length).toBe(0);
  });

  test('isBase64Encoded must be the boolean true to decode', () => {
    const request = decodeRequest({ ...v2Event('aGVsbG8='), isBase64Encoded: 'true' });
    expect(request.body.toString('utf8')).toBe('aGVsbG8=');
  });
});

describe('method', () => {
  test.each([
    ['HTTP API', { version: '2.0', requestContext: { http: { method: 'get' } } }, 'GET'],
    ['REST API', { httpMethod: 'PUT' }, 'PUT'],
    ['unknown shape', {}, undefined],
  ])('%s method is read and upper-cased', (_label, event, method) => {
    expect(decodeRequest(event).method).toBe(method);
  });
});

describe('garbage never throws', () => {
  const garbage: ReadonlyArray<readonly [string, unknown]> = [
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['NaN', Number.NaN],
    ['a string', 'POST /webhooks/droam'],
    ['an array', [1, 2, 3]],
    ['an empty object', {}],
    ['headers null', { headers: null, body: '{}' }],
    ['headers a string', { headers: 'content-type: application/json', body: '{}' }],
    ['headers an array', { headers: [['x-api-hash', 'abc']], body: '{}' }],
    ['header values of every type', { headers: { a: 1, b: null, c: { d: 1 }, e: ['x'], f: true, g: 'kept' }, body: '{}' }],
    ['multiValueHeaders of the wrong shape', { httpMethod: 'POST', multiValueHeaders: { a: 'not-a-list', b: [1, null, 'ok'], c: null } }],
    ['requestContext a string', { version: '2.0', requestContext: 'ctx' }],
    ['requestContext.http a number', { requestContext: { http: 5, requestId: 7 } }],
    ['httpMethod a number', { httpMethod: 5 }],
    ['a __proto__ header', JSON.parse('{"headers":{"__proto__":"x","constructor":"y"},"body":"{}"}') as unknown],
  ];

  test.each(garbage)('%s decodes to a request', (_label, event) => {
    const request = decodeRequest(event);
    expect(Buffer.isBuffer(request.body)).toBe(true);
    expect(request.headers).toBeInstanceOf(Map);
    for (const [name, value] of request.headers) {
      expect(typeof name).toBe('string');
      expect(typeof value).toBe('string');
    }
  });

  test('only string header values are kept', () => {
    const request = decodeRequest({ headers: { a: 1, b: null, g: 'kept' } });
    expect([...request.headers]).toEqual([['g', 'kept']]);
  });

  test('a multi-valued header keeps its string values only', () => {
    const request = decodeRequest({ httpMethod: 'POST', multiValueHeaders: { b: [1, null, 'ok'] } });
    expect(request.headers.get('b')).toBe('ok');
  });
});
