import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { droamHash } from '../../lib/relay/signature';
import { createWebhookHandler } from '../../lib/relay/webhook';
import type { Config } from '../../lib/relay/config';
import { payloadTypes } from '../../lib/contract';
import type { PublishResult } from '../../lib/topic/publish';
import { deployedConfig } from '../support/unit/harness';

/**
 * What an operator sees for each outcome: one Powertools log line per request
 * that is also its EMF metrics document, as written to stdout/stderr, parsed back.
 */

const SECRET = '0123456789abcdef0123456789abcdef';
const NOW_MS = 1_790_000_000_000;
const NOW_S = Math.floor(NOW_MS / 1000);

const config = deployedConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:droam-events', DROAM_API_SECRETS: SECRET });

type Json = Record<string, unknown>;

function sample(file: string): { body: string; headers: Record<string, string> } {
  const event = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', file), 'utf8')) as {
    body: string;
    isBase64Encoded: boolean;
    headers: Record<string, string>;
  };
  return { body: event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body, headers: event.headers };
}

function request(body: string, signed = true, contentType = 'application/json'): unknown {
  return {
    version: '2.0',
    headers: { 'content-type': contentType, ...(signed ? { 'x-droam-timestamp': String(NOW_S), 'x-droam-hash': droamHash(SECRET, NOW_S) } : {}) },
    requestContext: { http: { method: 'POST', sourceIp: '203.0.113.10' }, requestId: 'req-1' },
    body,
    isBase64Encoded: false,
  };
}

/** Runs one request through a handler with the real Logger and Metrics; returns the lines they wrote. */
async function observe(
  event: unknown,
  publish: PublishResult = { ok: true, messageId: 'sns-1' },
  relayConfig: Config = config,
): Promise<{ status: number; logs: Json[]; emf: Json[] }> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(chunk.toString());
    return true;
  };
  // Powertools writes info and metrics to stdout, warnings and errors to stderr.
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    const handler = createWebhookHandler({
      config: relayConfig,
      registry: payloadTypes,
      now: () => NOW_MS,
      publish: () => Promise.resolve(publish),
      logger: new Logger({ serviceName: 'relay-test' }),
      metrics: new Metrics({ namespace: 'RelayTest', serviceName: 'relay-test' }),
    });
    const response = await handler(event);
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Json);
    // One line per request: the log line carries the EMF fields.
    return { status: response.statusCode, logs: lines, emf: lines.filter((l) => '_aws' in l) };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

interface Emf {
  dimensions: string[][];
  metrics: Record<string, { unit: string; value: unknown }>;
  values: Json;
}

function parseEmf(doc: Json): Emf {
  const aws = doc._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  const [directive] = aws.CloudWatchMetrics;
  if (directive === undefined) throw new Error('no CloudWatchMetrics directive');
  expect(directive.Namespace).toBe('RelayTest');
  // Every dimension the directive names has a value on the line.
  for (const name of directive.Dimensions.flat()) expect(typeof doc[name]).toBe('string');
  const metrics = Object.fromEntries(directive.Metrics.map((m) => [m.Name, { unit: m.Unit, value: doc[m.Name] }]));
  return { dimensions: directive.Dimensions.map((d) => [...d].sort()), metrics, values: doc };
}

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

describe('METRICS_BY_EVENT_TYPE=false: the metrics per service alone, four custom metrics fewer for each type', () => {
  test('a published event is counted per service, and its line still names its type', async () => {
    const { body } = sample('pool-usage.json');
    const { logs, emf } = await observe(request(body), { ok: true, messageId: 'sns-1' }, { ...config, metricsByEventType: false });
    expect(parseEmf(emf[0] ?? {}).dimensions).toEqual([['service']]);
    expect(logs[0]).toMatchObject({ type: 'rule.pool.usage.triggered', outcome: 'published' });
  });
});

describe('one log line per request, which is also its EMF metrics document', () => {
  test('published: accepted and published counted per service and per event_type, with the publish latency', async () => {
    const { body } = sample('pool-usage.json');
    const { status, logs, emf } = await observe(request(body));
    expect(status).toBe(200);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'INFO',
      service: 'relay-test',
      outcome: 'published',
      status: 200,
      type: 'rule.pool.usage.triggered',
      request_id: 'req-1',
      correlation_id: 'req-1',
      message_id: 'sns-1',
      auth_headers: { timestamp: 'x-droam-timestamp', hash: 'x-droam-hash' },
    });
    expect(typeof logs[0]?.duration_ms).toBe('number');
    expect(emf).toHaveLength(1);
    const doc = parseEmf(emf[0] ?? {});
    expect(doc.dimensions).toEqual([['service'], ['event_type', 'service']]);
    expect(doc.values).toMatchObject({ service: 'relay-test', event_type: 'rule.pool.usage.triggered' });
    expect(doc.metrics).toEqual({
      received: { unit: 'Count', value: 1 },
      accepted: { unit: 'Count', value: 1 },
      published: { unit: 'Count', value: 1 },
      publish_latency: { unit: 'Milliseconds', value: 0 },
    });
  });

  test('echo: counted as echo, logged at info', async () => {
    const { body } = sample('echo-flat.json');
    const { status, logs, emf } = await observe(request(body, false));
    expect(status).toBe(200);
    expect(logs.map((l) => [l.level, l.outcome])).toEqual([['INFO', 'echo']]);
    expect(parseEmf(emf[0] ?? {}).metrics).toEqual({ received: { unit: 'Count', value: 1 }, echo: { unit: 'Count', value: 1 } });
  });

  test.each([
    ['unauthorized', 401, () => request(sample('pool-usage.json').body, false)],
    ['invalid_json', 400, () => request('{"type":')],
    ['unsupported_media_type', 415, () => request('{}', true, 'text/plain')],
    ['payload_too_large', 413, () => request(`{"x":"${'a'.repeat(300_000)}"}`)],
    ['invalid_payload', 422, () => request(sample('error-invalid-payload.json').body)],
  ])('%s: rejected counted per reason, logged at warn', async (reason, expectedStatus, event) => {
    const { status, logs, emf } = await observe(event());
    expect(status).toBe(expectedStatus);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'WARN', outcome: 'rejected', status: expectedStatus, error: reason });
    const doc = parseEmf(emf[0] ?? {});
    expect(doc.dimensions).toContainEqual(['reason', 'service']);
    expect(doc.values.reason).toBe(reason);
    expect(doc.metrics.rejected).toEqual({ unit: 'Count', value: 1 });
    expect(doc.metrics.publish_failures).toBeUndefined();
  });

  test('publish failure: publish_failures counted, logged at error with the SDK error, 503', async () => {
    const { body } = sample('pool-usage.json');
    const { status, logs, emf } = await observe(request(body), { ok: false, error: { name: 'ThrottledException', message: 'Rate exceeded', retryable: true } });
    expect(status).toBe(503);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'ERROR', error: 'publish_failed', detail: 'ThrottledException: Rate exceeded' });
    const doc = parseEmf(emf[0] ?? {});
    expect(doc.values.reason).toBe('publish_failed');
    expect(doc.metrics).toMatchObject({ rejected: { unit: 'Count', value: 1 }, publish_failures: { unit: 'Count', value: 1 } });
  });

  test('when the log level hides the request line, the metrics are written on a line of their own', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    try {
      const { status, logs, emf } = await observe(request(sample('pool-usage.json').body));
      expect(status).toBe(200);
      expect(logs).toHaveLength(1);
      expect(logs[0]?.level).toBeUndefined();
      expect(parseEmf(emf[0] ?? {}).metrics).toMatchObject({ received: { unit: 'Count', value: 1 }, published: { unit: 'Count', value: 1 } });
    } finally {
      process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    }
  });

  test('cold start: a ColdStart metric on the first invocation of an on-demand environment only', async () => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    try {
      const written: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(chunk.toString());
        return true;
      });
      const handler = createWebhookHandler({
        config,
        registry: payloadTypes,
        now: () => NOW_MS,
        publish: () => Promise.resolve({ ok: true, messageId: 'sns-1' }),
        logger: new Logger({ serviceName: 'relay-test' }),
        metrics: new Metrics({ namespace: 'RelayTest', serviceName: 'relay-test' }),
      });
      await handler(request(sample('echo-flat.json').body, false));
      await handler(request(sample('echo-flat.json').body, false));
      spy.mockRestore();
      const coldStarts = written
        .join('')
        .split('\n')
        .filter((line) => line.includes('"ColdStart"'));
      expect(coldStarts).toHaveLength(1);
    } finally {
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
  });
});
