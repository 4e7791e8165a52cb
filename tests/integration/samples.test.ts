/**
 * Every sample in events/ through the real handler, configured as the `local`
 * stage of serverless.yml configures it (dRoam's documented secret, a skew the
 * committed samples fit in, IS_LOCAL): each gets the answer its file name
 * promises, and only the accepted events are published, once.
 */
import { Emulator, type Queue, type Received } from '../support/integration/aws';
import { DOCUMENTED_SECRET, bodyOf, loadEvent, payloadOf, sampleFiles } from '../support/integration/events';
import { loadRelay, localStageEnv, type RelayResponse } from '../support/integration/relay';

/** error-<name>.json → the answer it stands for. */
const ERRORS: Record<string, { status: number; error: string }> = {
  'invalid-json': { status: 400, error: 'invalid_json' },
  'invalid-payload': { status: 422, error: 'invalid_payload' },
  'payload-too-large': { status: 413, error: 'payload_too_large' },
  'stale-timestamp': { status: 401, error: 'unauthorized' },
  unauthorized: { status: 401, error: 'unauthorized' },
  'unsupported-media-type': { status: 415, error: 'unsupported_media_type' },
};

const files = sampleFiles();
const errorFiles = files.filter((f) => f.startsWith('error-'));
const echoFiles = files.filter((f) => f.startsWith('echo-'));
const eventFiles = files.filter((f) => !errorFiles.includes(f) && !echoFiles.includes(f));

const emulator = new Emulator();
const results = new Map<string, { response: RelayResponse; published: Received[] }>();

beforeAll(async () => {
  const topicArn = await emulator.createTopic('samples');
  const queue: Queue = await emulator.createQueue('samples');
  await emulator.subscribe(topicArn, queue, { raw: true });
  const relay = await loadRelay(localStageEnv(topicArn));
  for (const file of files) {
    const response = await relay.invoke(loadEvent(file));
    // Drained after each sample, so every message is attributed to the sample that caused it.
    const published = await emulator.receiveAll(queue, { expect: eventFiles.includes(file) ? 1 : 0, waitSeconds: 2 });
    results.set(file, { response, published });
  }
}, 60_000);

afterAll(() => {
  emulator.destroy();
});

const result = (file: string) => {
  const found = results.get(file);
  if (found === undefined) throw new Error(`${file} was not run`);
  return found;
};

it('events/ holds the samples the contract asks for', () => {
  expect(echoFiles).toEqual(expect.arrayContaining(['echo-enveloped.json', 'echo-flat.json']));
  expect(eventFiles).toEqual(
    expect.arrayContaining([
      'pool-usage-vendor-example.json',
      'pool-usage.json',
      'pool-usage-without-usage.json',
      'pool-usage-rest-api.json',
      'pool-usage-function-url.json',
    ]),
  );
  for (const file of errorFiles) expect(Object.keys(ERRORS)).toContain(file.slice('error-'.length, -'.json'.length));
});

describe.each(eventFiles)('%s', (file) => {
  it('is answered 200 and published exactly once, as the CloudEvent of its payload', () => {
    const { response, published } = result(file);
    expect(response.statusCode).toBe(200);
    expect(published).toHaveLength(1);
    const payload = payloadOf(loadEvent(file));
    const event = JSON.parse(published[0]?.body ?? '') as Record<string, unknown>;
    expect(event).toMatchObject({ specversion: '1.0', id: response.json.id, source: 'droam', type: payload.type, datacontenttype: 'application/json' });
    expect(published[0]?.attributes.event_id?.StringValue).toBe(response.json.id);
    expect(published[0]?.attributes.event_type?.StringValue).toBe(payload.type);
  });
});

describe.each(echoFiles)('%s', (file) => {
  it('is answered 200 with the request body byte for byte, and nothing is published', () => {
    const { response, published } = result(file);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(Buffer.from(response.body, 'utf8').equals(bodyOf(loadEvent(file)))).toBe(true);
    expect(published).toEqual([]);
  });
});

describe.each(errorFiles)('%s', (file) => {
  it('is answered with the error its name promises, and nothing is published', () => {
    const expected = ERRORS[file.slice('error-'.length, -'.json'.length)];
    const { response, published } = result(file);
    expect(response.statusCode).toBe(expected?.status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json).toMatchObject({ error: expected?.error, message: expect.any(String) as unknown });
    expect(published).toEqual([]);
  });
});

it.each([
  ['error-stale-timestamp.json', 'timestamp_outside_window'],
  ['error-unauthorized.json', 'hash_mismatch'],
])('%s is refused for the reason its name gives (%s, logged, not answered)', (file, reason) => {
  const { response } = result(file);
  expect(response.logs).toEqual([expect.objectContaining({ level: 'WARN', status: 401, auth_failure: reason })]);
  expect(response.body).not.toContain(reason);
  expect(response.body).not.toContain(loadEvent(file).headers['x-api-hash']);
});

it.each(files)('%s leaves no secret or hash in the response or the log', (file) => {
  const { response } = result(file);
  for (const text of [response.body, response.logText]) {
    expect(text).not.toContain(DOCUMENTED_SECRET);
    expect(text).not.toMatch(/(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/i);
  }
});

it('error-invalid-payload.json names the missing field', () => {
  expect(result('error-invalid-payload.json').response.json.issues).toEqual([{ path: 'data.pool.uuid', message: expect.any(String) as unknown }]);
});

it('pool-usage-without-usage.json is published without a current_usage_kb attribute', () => {
  const [message] = result('pool-usage-without-usage.json').published;
  expect(Object.keys(message?.attributes ?? {}).sort()).toEqual(['droam_source', 'event_id', 'event_type', 'integrity_tag', 'pool_uuid', 'rule_uuid']);
});

it('the same payload in another event format (REST v1, function URL, base64) publishes the same CloudEvent', () => {
  const byBody = new Map<string, string[]>();
  for (const file of eventFiles) {
    const body = bodyOf(loadEvent(file)).toString('utf8');
    byBody.set(body, [...(byBody.get(body) ?? []), file]);
  }
  const groups = [...byBody.values()].filter((group) => group.length > 1);
  expect(groups.flat()).toEqual(expect.arrayContaining(['pool-usage-rest-api.json', 'pool-usage-function-url.json', 'pool-usage-base64.json']));
  for (const group of groups) {
    // Everything but the correlation id, which names each request's own API Gateway request id.
    const events = group.map((file) => {
      const { correlationid, ...event } = JSON.parse(result(file).published[0]?.body ?? '{}') as Record<string, unknown>;
      expect(correlationid).toBe((loadEvent(file).requestContext as { requestId?: unknown }).requestId);
      return event;
    });
    for (const event of events) expect(event).toEqual(events[0]);
  }
});
