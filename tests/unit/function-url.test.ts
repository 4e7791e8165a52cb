/**
 * The webhook behind a Lambda function URL (ingress=functionUrl): the event is payload format 2.0 as the HTTP
 * API's, but nothing routes it, so the handler reads the source from the raw path and answers any other path
 * 404 itself. Source address, headers and base64 bodies arrive as they do through the HTTP API.
 */
import { decodeRequest } from '../../lib/relay/decode';
import {
  authHeaders,
  bodyJson,
  cloudEventOf,
  deployedConfig,
  harness,
  loadEvent,
  type SampleEvent,
  TEST_SECRET,
  vendorExample,
  withBody,
} from '../support/unit/harness';

const NOW_S = 1_790_000_000;
const EMEA_SECRET = 'emea-unit-secret-7c1d9e3a5b2f4068';
const POOL_BODY = JSON.stringify(vendorExample());

/** A function URL event as Lambda builds it for `path`, signed with `secret` now, from `sourceIp`. */
function functionUrlEvent(path: string, { secret = TEST_SECRET, sourceIp = '203.0.113.10' } = {}): SampleEvent {
  const sample = loadEvent('pool-usage-function-url.json');
  const context = sample.requestContext as { http: Record<string, unknown> };
  return {
    ...sample,
    rawPath: path,
    headers: { ...sample.headers, 'x-forwarded-for': sourceIp, ...authHeaders(secret, NOW_S) },
    requestContext: { ...context, http: { ...context.http, path, sourceIp } },
    body: POOL_BODY,
  };
}

const relay = (env: Record<string, string> = {}) =>
  harness({ config: deployedConfig({ DROAM_SOURCES: 'emea', DROAM_SOURCE_API_SECRETS: `emea=${EMEA_SECRET}`, ...env }), now: NOW_S * 1000 });

describe('a function URL event', () => {
  test('is read as payload format 2.0: method, headers, source address and request id', () => {
    const request = decodeRequest(functionUrlEvent('/webhooks/droam', { sourceIp: '198.51.100.7' }));
    expect(request).toMatchObject({ format: 'function-url', method: 'POST', sourceIp: '198.51.100.7', requestId: '0c9b8a7f-6e5d-4c3b-8a19-f8e7d6c5b4a3' });
    expect(request.headers.get('x-api-timestamp')).toBe(String(NOW_S));
    expect([request.droamSource, request.unknownPath]).toEqual([undefined, undefined]);
  });

  test.each([
    ['/webhooks/droam', undefined],
    ['/webhooks/droam/', undefined],
    ['/webhooks/droam/emea', 'emea'],
    ['/webhooks/droam/emea/', 'emea'],
  ])('%s names the source %s', (path, source) => {
    expect(decodeRequest(functionUrlEvent(path))).toMatchObject({ droamSource: source, unknownPath: undefined });
  });

  test.each(['/', '/webhooks', '/webhooks/droamx', '/webhooks/droam/emea/extra', '/x/webhooks/droam/emea', '/WEBHOOKS/droam'])(
    '%s is no webhook path',
    (path) => {
      expect(decodeRequest(functionUrlEvent(path))).toMatchObject({ droamSource: undefined, unknownPath: path });
    },
  );
});

describe('the webhook through a function URL', () => {
  test('publishes a signed event posted to /webhooks/droam, as through the HTTP API', async () => {
    const stage = relay();
    const response = await stage.handle(functionUrlEvent('/webhooks/droam'));
    expect(response.statusCode).toBe(200);
    const [message] = stage.published;
    expect(stage.published).toHaveLength(1);
    expect(message && cloudEventOf(message)).toMatchObject({ source: 'droam', id: bodyJson(response).id });
  });

  test("publishes a named source's event, posted to /webhooks/droam/<name> and signed with that source's secret", async () => {
    const stage = relay();
    const response = await stage.handle(functionUrlEvent('/webhooks/droam/emea', { secret: EMEA_SECRET }));
    expect(response.statusCode).toBe(200);
    const [message] = stage.published;
    expect(message?.MessageAttributes.droam_source?.StringValue).toBe('emea');
    expect(message && cloudEventOf(message).source).toBe('droam/emea');
    // The default source's secret does not sign for emea.
    expect((await stage.handle(functionUrlEvent('/webhooks/droam/emea'))).statusCode).toBe(401);
  });

  test('answers 404 for a path that is none of the webhook’s, before authentication, and publishes nothing', async () => {
    const stage = relay();
    for (const path of ['/', '/webhooks/droam/emea/extra', '/x/webhooks/droam']) {
      const response = await stage.handle(functionUrlEvent(path));
      expect([response.statusCode, bodyJson(response).error]).toEqual([404, 'unknown_source']);
    }
    expect(stage.published).toEqual([]);
    expect(stage.logs.map((line) => line.attributes)).toEqual(Array(3).fill(expect.objectContaining({ status: 404, droam_source: undefined })));
    expect(stage.logs[1]?.attributes.detail).toBe('/webhooks/droam/emea/extra');
  });

  test('decodes a base64 body to the bytes dRoam sent: the same event as the plain body', async () => {
    const stage = relay();
    const plain = await stage.handle(functionUrlEvent('/webhooks/droam'));
    const base64 = await stage.handle(withBody(functionUrlEvent('/webhooks/droam'), Buffer.from(POOL_BODY), true));
    expect([plain.statusCode, base64.statusCode]).toEqual([200, 200]);
    expect(stage.published[1]?.Message).toBe(stage.published[0]?.Message);
  });

  test('refuses a source address outside ALLOWED_SOURCE_CIDRS with 403: the function URL passes the caller’s address', async () => {
    const stage = relay({ ALLOWED_SOURCE_CIDRS: '203.0.113.0/24' });
    expect((await stage.handle(functionUrlEvent('/webhooks/droam', { sourceIp: '203.0.113.99' }))).statusCode).toBe(200);
    expect((await stage.handle(functionUrlEvent('/webhooks/droam', { sourceIp: '198.51.100.7' }))).statusCode).toBe(403);
  });
});
