/**
 * When SNS refuses, is unreachable or hangs, the relay answers 503
 * publish_failed with Retry-After well within API Gateway's limits, and the
 * handler never throws.
 */
import { Emulator, uniqueName } from '../support/integration/aws';
import { loadEvent, signed } from '../support/integration/events';
import { freePort, hangingServer } from '../support/integration/net';
import { TEST_SECRET, deployedEnv, loadRelay, type RelayResponse } from '../support/integration/relay';

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

const request = () => signed(loadEvent('pool-usage.json'), TEST_SECRET);

function expectPublishFailed(response: RelayResponse): void {
  expect(response.statusCode).toBe(503);
  expect(response.headers['content-type']).toBe('application/json');
  expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(response.json).toEqual({ error: 'publish_failed', message: expect.any(String) as unknown });
  expect(response.elapsedMs).toBeLessThan(10_000);
  // Nothing about the failure or the request's credentials reaches the caller.
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+|Error|arn:aws|127\.0\.0\.1/);
  expect(response.body).not.toContain(request().headers['x-api-hash']);
  expect(response.logText).not.toContain(TEST_SECRET);
  expect(response.logs).toContainEqual(
    expect.objectContaining({ level: 'ERROR', outcome: 'rejected', status: 503, error: 'publish_failed', type: 'rule.pool.usage.triggered' }),
  );
}

/** The relay's own structured line, and nothing else, for the request. */
function expectOneStructuredLogLine(response: RelayResponse): void {
  expect(response.rawLogs.filter((text) => !text.startsWith('{'))).toEqual([]);
  expect(response.logs).toHaveLength(1);
}

it('answers 503 when the topic does not exist', async () => {
  const missingTopic = `arn:aws:sns:us-east-1:000000000000:${uniqueName('missing')}`;
  const relay = await loadRelay(deployedEnv(missingTopic));
  const response = await relay.invoke(request());
  expectPublishFailed(response);
  expectOneStructuredLogLine(response);
});

it('answers 503 when nothing listens at the SNS endpoint', async () => {
  const { topicArn } = await emulator.topicWithQueue('unreachable');
  const relay = await loadRelay(deployedEnv(topicArn, { AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${await freePort()}` }));
  const response = await relay.invoke(request());
  expectPublishFailed(response);
  expectOneStructuredLogLine(response);
});

describe('an SNS endpoint that accepts connections and never answers', () => {
  let hanging: Awaited<ReturnType<typeof hangingServer>>;
  let response: RelayResponse;
  let published: unknown[];

  beforeAll(async () => {
    hanging = await hangingServer();
    const { topicArn, queue } = await emulator.topicWithQueue('hanging');
    const relay = await loadRelay(deployedEnv(topicArn, { AWS_ENDPOINT_URL_SNS: hanging.endpoint }));
    response = await relay.invoke(request());
    published = await emulator.receiveAll(queue);
  }, 20_000);

  afterAll(async () => {
    await hanging.close();
  });

  it('gets a 503 within 10 s and nothing is published', () => {
    expectPublishFailed(response);
    expect(hanging.connections()).toBeGreaterThan(0);
    expect(published).toEqual([]);
  });

  // functions/webhook.ts configures "two attempts of at most 3 s each": the SDK's requestTimeout
  // must end an attempt (so the one retry happens) instead of only printing a warning.
  it('is retried once after a bounded attempt, and the SDK writes no unstructured log line', () => {
    expectOneStructuredLogLine(response);
    expect(hanging.connections()).toBe(2);
  });
});
