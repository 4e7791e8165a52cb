/**
 * The real handler under the configurations the contract names: auth off,
 * pinned header names, secret rotation, the skew window, and a configuration
 * that must fail at cold start. Plus the one size limit only publishing can
 * reveal: a body under 256 KiB whose message would be over SNS's limit.
 */
import { droamHash } from '../../lib/relay/signature';
import { Emulator, type Queue } from '../support/integration/aws';
import { DOCUMENTED_SECRET, editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay, type Env, type Relay } from '../support/integration/relay';

const emulator = new Emulator();
let topicArn: string;
let queue: Queue;

beforeAll(async () => {
  ({ topicArn, queue } = await emulator.topicWithQueue('config'));
});
afterAll(() => {
  emulator.destroy();
});

const now = (): number => Math.floor(Date.now() / 1000);
const poolUsage = (): SampleEvent => loadEvent('pool-usage.json');

/** pool-usage.json with its signature headers replaced by `headers`. */
function withHeaders(headers: Record<string, string>): SampleEvent {
  const event = poolUsage();
  const kept = Object.fromEntries(Object.entries(event.headers).filter(([name]) => !name.startsWith('x-api-')));
  return { ...event, headers: { ...kept, ...headers } };
}

async function statusOf(relay: Relay, event: SampleEvent): Promise<number> {
  const response = await relay.invoke(event);
  await emulator.receiveAll(queue, { expect: response.statusCode === 200 ? 1 : 0, waitSeconds: 2 });
  return response.statusCode;
}

describe('DROAM_AUTH=off', () => {
  it('publishes unsigned requests, with no secret configured', async () => {
    const relay = await loadRelay(deployedEnv(topicArn, { DROAM_AUTH: 'off', DROAM_API_SECRETS: undefined }));
    const response = await relay.invoke(withHeaders({}));
    expect(response.statusCode).toBe(200);
    const [message] = await emulator.receiveAll(queue, { expect: 1 });
    expect(JSON.parse(message?.body ?? '')).toMatchObject({ id: response.json.id });
  });
});

describe('DROAM_API_SECRETS with two secrets (rotation)', () => {
  it('accepts requests signed with either secret, and no other', async () => {
    const next = `${TEST_SECRET}-next`;
    const relay = await loadRelay(deployedEnv(topicArn, { DROAM_API_SECRETS: ` ${TEST_SECRET} , ${next} ` }));
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET))).toBe(200);
    expect(await statusOf(relay, signed(poolUsage(), next))).toBe(200);
    expect(await statusOf(relay, signed(poolUsage(), `${TEST_SECRET}-old`))).toBe(401);
  });
});

describe('header discovery and pinned header names', () => {
  const pair = (t: string, h: string, ts = now(), secret = TEST_SECRET) => ({ [t]: String(ts), [h]: droamHash(secret, ts) });

  it('finds the pair among the headers whatever they are called, in any case, hex in any case', async () => {
    const relay = await loadRelay(deployedEnv(topicArn));
    const ts = now();
    expect(await statusOf(relay, withHeaders({ 'X-Droam-Time': String(ts), 'X-Droam-Signature': droamHash(TEST_SECRET, ts).toUpperCase() }))).toBe(200);
  });

  it('once pinned, only the pinned names count', async () => {
    const relay = await loadRelay(deployedEnv(topicArn, { DROAM_TIMESTAMP_HEADER: 'X-Droam-Time', DROAM_HASH_HEADER: 'X-Droam-Signature' }));
    expect(await statusOf(relay, withHeaders(pair('x-droam-time', 'x-droam-signature')))).toBe(200);
    expect(await statusOf(relay, withHeaders(pair('x-api-timestamp', 'x-api-hash')))).toBe(401);
    // The right values under swapped names do not count either.
    const ts = now();
    expect(await statusOf(relay, withHeaders({ 'x-droam-signature': String(ts), 'x-droam-time': droamHash(TEST_SECRET, ts) }))).toBe(401);
  });
});

describe('the skew window (300 s by default)', () => {
  it('accepts timestamps up to 300 s away in either direction, and refuses those beyond', async () => {
    const relay = await loadRelay(deployedEnv(topicArn));
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET, now() - 290))).toBe(200);
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET, now() + 290))).toBe(200);
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET, now() - 310))).toBe(401);
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET, now() + 310))).toBe(401);
  });

  it('follows DROAM_MAX_SKEW_SECONDS', async () => {
    const relay = await loadRelay(deployedEnv(topicArn, { DROAM_MAX_SKEW_SECONDS: '30' }));
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET, now() - 20))).toBe(200);
    expect(await statusOf(relay, signed(poolUsage(), TEST_SECRET, now() - 60))).toBe(401);
  });
});

describe('a bad configuration', () => {
  const load = (env: Env) => loadRelay({ ...deployedEnv(topicArn), ...env });

  it('fails the cold start, listing every problem', async () => {
    await expect(load({ TOPIC_ARN: undefined, DROAM_MAX_SKEW_SECONDS: 'soon' })).rejects.toThrow(/TOPIC_ARN[\s\S]*DROAM_MAX_SKEW_SECONDS/);
  });

  it("refuses dRoam's documented example secret outside IS_LOCAL/IS_OFFLINE, and the relaxed local skew", async () => {
    await expect(load({ DROAM_API_SECRETS: DOCUMENTED_SECRET })).rejects.toThrow(/DROAM_API_SECRETS/);
    await expect(load({ DROAM_MAX_SKEW_SECONDS: '315360000' })).rejects.toThrow(/DROAM_MAX_SKEW_SECONDS/);
  });

  it('never repeats a secret in its error', async () => {
    const secret = 'short secret';
    const error = await load({ DROAM_API_SECRETS: secret }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).not.toContain(secret);
  });
});

describe('a body under 256 KiB whose message would exceed SNS’s 256 KiB', () => {
  it('is answered 413 payload_too_large and not published', async () => {
    const relay = await loadRelay(deployedEnv(topicArn));
    const event = poolUsage();
    const base = payloadOf(event);
    const size = Buffer.byteLength(JSON.stringify(base));
    // The CloudEvent's own fields and the attributes take more than created_at and type give back.
    const payload = editPayload(base, (p) => (p.data.notes = 'x'.repeat(262_144 - size - 40)));
    const body = JSON.stringify(payload);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(262_144);
    const response = await relay.invoke(signed(withPayload(event, payload), TEST_SECRET));
    expect(response.statusCode).toBe(413);
    expect(response.json).toMatchObject({ error: 'payload_too_large' });
    expect(await emulator.receiveAll(queue)).toEqual([]);
  });

  it('while a large event that fits is published', async () => {
    const relay = await loadRelay(deployedEnv(topicArn));
    const event = poolUsage();
    const payload = editPayload(payloadOf(event), (p) => (p.data.notes = 'x'.repeat(250_000)));
    const response = await relay.invoke(signed(withPayload(event, payload), TEST_SECRET));
    expect(response.statusCode).toBe(200);
    const [message] = await emulator.receiveAll(queue, { expect: 1 });
    expect((JSON.parse(message?.body ?? '') as { data: { notes: string } }).data.notes).toHaveLength(250_000);
  });
});
