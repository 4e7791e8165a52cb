/**
 * The cost model: docs/operating.md shows what `npm run cost` computes for a million events (a change of
 * a price, of a measured size or of the stack shows there), every price names AWS's page and the date it
 * was read, and the choices the documents offer (logLevel=WARN, metricsByEventType=false) cost less.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { measure } from '../../tools/cost/measure';
import { fixedCosts, stackCounts, total, variableCosts } from '../../tools/cost/model';
import { PRICES, PRICES_READ } from '../../tools/cost/prices';
import { costTables, DEFAULT_OPTIONS } from '../../tools/cost/tables';

const ROOT = path.resolve(__dirname, '..', '..');
const OPERATING = readFileSync(path.join(ROOT, 'docs', 'operating.md'), 'utf8');
const BEGIN = '<!-- cost:begin (npm run cost; a test fails when this differs) -->';
const END = '<!-- cost:end -->';

describe('the cost model', () => {
  it('is in docs/operating.md as npm run cost computes it for a million events (run npm run cost and paste its tables between the markers)', async () => {
    const shown = OPERATING.slice(OPERATING.indexOf(BEGIN) + BEGIN.length, OPERATING.indexOf(END)).trim();
    expect(shown).toBe(await costTables(ROOT, DEFAULT_OPTIONS));
  });

  it('cites the page of every price, and the date the prices were read', () => {
    for (const price of Object.values(PRICES)) expect(OPERATING).toContain(price.page);
    expect(OPERATING).toContain(`read on\n${PRICES_READ}`);
  });

  it('measures what a request costs in bytes: its message, and its log line with metrics, shorter at WARN', async () => {
    const measured = await measure(ROOT, 1);
    expect(measured.messageBytes).toBeGreaterThan(500);
    expect(measured.logBytes.INFO).toBeGreaterThan(measured.logBytes.WARN);
    expect(measured.logBytes.WARN).toBeGreaterThan(100);
    expect(measured.eventTypes).toEqual(['rule.pool.usage.triggered']);
  });

  it('costs less with logLevel=WARN and with metricsByEventType=false, and the same idle whatever the volume', async () => {
    const measured = await measure(ROOT, DEFAULT_OPTIONS.eventTypes);
    const stack = await stackCounts(ROOT, false);
    const at = (options: Partial<typeof DEFAULT_OPTIONS>): number => total(variableCosts({ ...DEFAULT_OPTIONS, ...options }, measured, stack, ROOT));
    expect(at({ logLevel: 'WARN' })).toBeLessThan(at({}));
    expect(at({ metricsByEventType: false })).toBeCloseTo(at({}) - 4 * DEFAULT_OPTIONS.eventTypes * PRICES.customMetricMonth.usd, 6);
    expect(at({ eventsPerMonth: 10_000_000 })).toBeGreaterThan(at({}));
    expect(stack).toMatchObject({ kmsKeys: 2, dashboards: 1, polledQueues: 1, memoryMb: 512 });
    expect(total(fixedCosts(stack))).toBeLessThan(total(fixedCosts(await stackCounts(ROOT, true))));
  });

  it('through a function URL: no HTTP API request charge ($1.00 a million) and no access log line, one alarm fewer (no 429 count from the access log)', async () => {
    const measured = await measure(ROOT, DEFAULT_OPTIONS.eventTypes);
    const viaApi = await stackCounts(ROOT, false, 'httpApi');
    const viaUrl = await stackCounts(ROOT, false, 'functionUrl');
    const lines = (ingress: 'httpApi' | 'functionUrl', stack: typeof viaApi) =>
      new Map(variableCosts({ ...DEFAULT_OPTIONS, ingress }, measured, stack, ROOT).map((line) => [line.line, line.usd]));
    const [api, url] = [lines('httpApi', viaApi), lines('functionUrl', viaUrl)];
    expect(api.get('HTTP API requests')).toBeCloseTo(1.0, 6);
    expect(url.has('HTTP API requests')).toBe(false);
    expect(url.get('CloudWatch Logs ingestion')).toBeLessThan(api.get('CloudWatch Logs ingestion') ?? 0);
    expect(viaApi.alarmMetrics - viaUrl.alarmMetrics).toBe(1);
  });
});
