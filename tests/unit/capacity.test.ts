/**
 * The capacity model (npm run capacity): its arithmetic at its limits — a token bucket exactly at its
 * burst and one over, the webhook's concurrency, SNS's share between the live path and the drainer, Lambda's
 * scaling — the figures the operating document gives, and docs/operating.md held to the tool's table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { quotas, snsPublishPerSecond } from '../../infra/quotas';
import { admittedByBucket, type BurstSettings, burstOutcome, concurrencyBucket, refusal } from '../../tools/capacity/model';
import { SECRETS_FIRST_READ_DEADLINE_MS } from '../../lib/lambda/clients';
import { burstReport, burstSettings, capacityTable, stageDefaults, TABLE_REGIONS } from '../../tools/capacity/tables';

const ROOT = path.resolve(__dirname, '..', '..');
const OPERATING = readFileSync(path.join(ROOT, 'docs', 'operating.md'), 'utf8');
const BEGIN = '<!-- capacity:begin (npm run capacity; a test fails when this differs) -->';
const END = '<!-- capacity:end -->';

const defaults = stageDefaults(ROOT);
const settings = (overrides: Partial<BurstSettings> & { region?: string }): BurstSettings => ({
  ...burstSettings(defaults, { region: overrides.region ?? 'us-east-1', webhooks: 10_000, perSecond: 5_000, fifo: false }),
  ...overrides,
});

describe('a token bucket', () => {
  const bucket = { rate: 200, burst: 1_000 };

  it('admits its burst at once, and answers the one over it 429', () => {
    expect(admittedByBucket(1_000, Infinity, bucket)).toBe(1_000);
    expect(admittedByBucket(1_001, Infinity, bucket)).toBe(1_000);
  });

  it('admits burst + rate × span of requests sent evenly: exactly at that, none refused; one more, one refused', () => {
    // 801 + 200 × 1,000 / 1,000 = 1,001: the 1,001 requests sent at 1,000/s span 1 s.
    const edge = { rate: 200, burst: 801 };
    expect(admittedByBucket(1_001, 1_000, edge)).toBe(1_001);
    expect(admittedByBucket(1_002, 1_000, edge)).toBe(1_001);
  });

  it('refuses nothing sent no faster than its rate', () => {
    expect(admittedByBucket(1_000_000, 200, bucket)).toBe(1_000_000);
    expect(admittedByBucket(0, 5_000, bucket)).toBe(0);
  });

  it("passes about 1,400 of 10,000 webhooks sent at 5,000/s with rate 200 and burst 1,000, and all of them with the stage's defaults", () => {
    expect(admittedByBucket(10_000, 5_000, bucket)).toBe(1_399);
    expect(admittedByBucket(10_000, 5_000, defaults.stageThrottle)).toBe(10_000);
    expect(defaults.stageThrottle).toEqual({ rate: 5_000, burst: 5_000 });
  });

  it("admits 5,000 of 10,000 webhooks sent at the same instant with the stage's defaults, and Lambda's default concurrency runs 1,000 of them", () => {
    expect(admittedByBucket(10_000, Infinity, defaults.stageThrottle)).toBe(5_000);
    expect(refusal(settings({ perSecond: Infinity, accountConcurrency: 10_000 }))).toEqual({ admitted: 5_000, refused: 5_000, by: 'the stage throttle' });
    expect(refusal(settings({ perSecond: Infinity }))).toEqual({ admitted: 1_000, refused: 9_000, by: "Lambda's account concurrency" });
  });
});

describe("the webhook's concurrency", () => {
  it('is a bucket of its instances, freed at instances / duration a second', () => {
    expect(concurrencyBucket(200, 25)).toEqual({ rate: 8_000, burst: 200 });
  });

  it('under a function URL, takes exactly its reservation at once and answers the one over it 429', () => {
    const url = (webhooks: number) => refusal(settings({ ingress: 'functionUrl', reservedConcurrency: 200, webhooks, perSecond: Infinity }));
    expect(url(200)).toEqual({ admitted: 200, refused: 0, by: undefined });
    expect(url(201)).toEqual({ admitted: 200, refused: 1, by: "the webhook's reserved concurrency" });
  });

  it('names the limit that refused: the stage throttle, or API Gateway’s account throttle where it is lower', () => {
    expect(refusal(settings({ stageThrottle: { rate: 200, burst: 1_000 } })).by).toBe('the stage throttle');
    const capeTown = refusal(settings({ region: 'af-south-1', accountThrottle: { rate: 2_500, burst: 1_250 } }));
    expect(capeTown).toEqual({ admitted: 6_249, refused: 3_751, by: "API Gateway's account throttle" });
    // A function URL draws on no API Gateway quota.
    expect(refusal(settings({ region: 'af-south-1', ingress: 'functionUrl', reservedConcurrency: 200 })).refused).toBe(0);
  });

  it("needs dRoam's rate × a request's duration, and scales out by 1,000 every 10 s past the first 1,000", () => {
    expect(burstOutcome(settings({})).concurrency).toMatchObject({ needed: 125, available: 1_000, scalingSeconds: 0 });
    const raised = burstOutcome(settings({ accountConcurrency: 5_000, perSecond: 100_000, webhooks: 1_000_000 }));
    expect(raised.concurrency).toMatchObject({ needed: 2_500, available: 5_000, scalingSeconds: 20 });
    expect(burstOutcome(settings({ accountConcurrency: 5_000, perSecond: 80_000, webhooks: 1_000_000 })).concurrency.scalingSeconds).toBe(10);
  });
});

describe('cold starts', () => {
  it("read the api secrets once per new instance, at SSM's default 40 GetParameter a second: 125 instances all hold them after 3.1 s, 120 within the first read's 3 s", () => {
    const { concurrency } = burstOutcome(settings({}));
    expect(concurrency).toMatchObject({ secretsReads: 125, secretsReadSeconds: 125 / quotas.ssmGetParameter.value, secretsWithinFirstRead: 120 });
    expect(quotas.ssmGetParameter.value).toBe(40);
    expect(SECRETS_FIRST_READ_DEADLINE_MS).toBe(3_000);
  });

  it("take SSM's higher throughput as given: every new instance then holds them within its first read", () => {
    const raised = burstSettings(defaults, { region: 'us-east-1', webhooks: 10_000, perSecond: 5_000, fifo: false, ssmGetParameterPerSecond: 1_000 });
    expect(burstOutcome(raised).concurrency).toMatchObject({ secretsReads: 125, secretsReadSeconds: 0.125, secretsWithinFirstRead: 125 });
  });
});

describe('publishing the admitted webhooks', () => {
  it("leaves the live path the Region's quota less the drainer's pace: exactly that many publish at once, one more waits", () => {
    // 1,500/s less 10 % for the drainer: 1,350 a second for the live path.
    const base = { snsPublishPerSecond: 1_500, retrySharePercent: 10 };
    const at = burstOutcome(settings({ ...base, webhooks: 1_350, perSecond: 1_350 }));
    expect(at.publish).toMatchObject({ livePerSecond: 1_350, drainerPerSecond: 150, atOnce: 1_350, queued: 0, drainSeconds: 0 });
    const over = burstOutcome(settings({ ...base, webhooks: 1_351, perSecond: 1_351 }));
    expect(over.publish).toMatchObject({ atOnce: 1_350, queued: 1 });
  });

  it('in eu-central-1, 10,000 at 5,000/s publish 2,700 at once and the drainer empties the queue 47 s after the burst', () => {
    const outcome = burstOutcome(settings({ region: 'eu-central-1', snsPublishPerSecond: snsPublishPerSecond('eu-central-1') }));
    expect(outcome.publish).toMatchObject({ topicPerSecond: 1_500, drainerPerSecond: 150, atOnce: 2_700, queued: 7_300 });
    expect(outcome.publish.drainSeconds).toBeCloseTo(7_300 / 150 - 2, 6);
  });

  it('paces the drainer by what its instances can publish when that is under its share (us-east-1: 2 × 10 a batch / 25 ms)', () => {
    const outcome = burstOutcome(settings({}));
    expect(outcome.publish).toMatchObject({ topicPerSecond: 30_000, drainerCanPublish: 800, drainerPerSecond: 800, queued: 0 });
  });

  it('a FIFO topic takes the Region’s quota over many message groups, and 300/s for the events of one group', () => {
    expect(burstOutcome(settings({ fifo: true })).publish.topicPerSecond).toBe(30_000);
    const onePool = burstOutcome(settings({ fifo: true, messageGroups: 1 }));
    expect(onePool.publish.topicPerSecond).toBe(quotas.snsFifoMessageGroup.value);
    expect(onePool.publish.queued).toBeGreaterThan(0);
  });
});

describe('one burst, reported', () => {
  const report = (overrides: Partial<BurstSettings> & { region?: string }): string => {
    const given = settings(overrides);
    return burstReport(given, burstOutcome(given), [], defaults.retryQueueAgeAlarmSeconds);
  };

  it("says, in a Region of the 1,500/s group, that the group is AWS's page's, listed here unconfirmed, and how to give the figure", () => {
    const frankfurt = report({ region: 'eu-central-1', snsPublishPerSecond: snsPublishPerSecond('eu-central-1') });
    expect(frankfurt).toContain('SNS takes 1,500/s in eu-central-1 (the Regions of 1,500/s are those AWS');
    expect(frankfurt).toContain(`as written on ${quotas.snsPublish.unconfirmedGroup.listedOn}, unconfirmed: --sns-publish-per-second gives the figure`);
    expect(report({ region: 'eu-central-1', snsPublishPerSecond: 300 })).not.toContain('unconfirmed');
    expect(report({})).not.toContain('unconfirmed');
  });
});

describe('the table', () => {
  it('shows us-east-1, eu-central-1 and a Region of 300 Publish a second', () => {
    expect(TABLE_REGIONS.map((region) => snsPublishPerSecond(region))).toEqual([30_000, 1_500, 300]);
  });

  it('is in docs/operating.md as npm run capacity prints it (run npm run capacity and paste its table between the markers)', async () => {
    const shown = OPERATING.slice(OPERATING.indexOf(BEGIN) + BEGIN.length, OPERATING.indexOf(END)).trim();
    expect(shown).toBe(await capacityTable(ROOT));
  });

  it('cites in docs/operating.md the page of every quota it uses', () => {
    const pages = [
      quotas.snsPublish.source,
      quotas.snsFifoMessageGroup.source,
      quotas.snsPublishBatch.source,
      quotas.lambdaConcurrentExecutions.source,
      quotas.lambdaScalingRate.source,
      quotas.apiGatewayAccount.source,
      quotas.apiGatewayAccount.burstSource,
      quotas.ssmGetParameter.source,
    ];
    expect(pages.filter((page) => !OPERATING.includes(page))).toEqual([]);
  });
});
