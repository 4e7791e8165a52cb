/** The markdown report of a run, and the benchmark's targets judged on it. */
import { type Distribution, type Key, KEYS, type Results, type Target } from './results';

export const HEAP_GROWTH_LIMIT_MIB = 1;
export const RSS_GROWTH_LIMIT_MIB = 5;

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const signed = (n: number, digits = 2): string => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)}` : '–');
const spread = (d: Distribution): string => `${fixed(d.median)} [${fixed(d.p25)}–${fixed(d.p75)}]`;

/** The targets: ours against (a), Middy + Powertools with its secret in the environment, in the same run; and no memory growth. */
export function targets(r: Results): Target[] {
  const ratio = (what: string, a: number, b: number, limit: number): Target => ({ what, value: a / b, limit, met: a / b <= limit });
  const cold = (key: Key) => r.cold[key].totalMs.median;
  const ours = r.warm.ours;
  const byKind = (key: Key, kind: 'pool' | 'unauthorized') => r.warm[key].byKind[kind]?.p50 ?? NaN;
  return [
    ratio('warm pool-event p50, ours / (a)', byKind('ours', 'pool'), byKind('middy', 'pool'), 0.9),
    ratio('warm p99 of the mix, ours / (a)', r.warm.ours.all.p99, r.warm.middy.all.p99, 1),
    ratio('401 p50, ours / (a)', byKind('ours', 'unauthorized'), byKind('middy', 'unauthorized'), 1),
    ratio('cold start (load + first invocation), ours / (a)', cold('ours'), cold('middy'), 0.9),
    ratio('deploy zip, ours / (a)', r.contenders.ours.zipBytes, r.contenders.middy.zipBytes, 0.8),
    {
      what: `heap after GC, ours: growth over the run, MiB`,
      value: ours.heapGrowthMiB,
      limit: HEAP_GROWTH_LIMIT_MIB,
      met: ours.heapGrowthMiB <= HEAP_GROWTH_LIMIT_MIB,
    },
    { what: `RSS, ours: growth over the run, MiB`, value: ours.rssGrowthMiB, limit: RSS_GROWTH_LIMIT_MIB, met: ours.rssGrowthMiB <= RSS_GROWTH_LIMIT_MIB },
  ];
}

/** What every bundle requires from the runtime instead of carrying it (the same build options for all). */
function leftToRuntime(r: Results): string {
  const common = r.contenders.ours.external.filter((name) => KEYS.every((key) => r.contenders[key].external.includes(name)));
  const extra = KEYS.flatMap((key) => {
    const own = r.contenders[key].external.filter((name) => !common.includes(name));
    return own.length === 0 ? [] : [`${r.contenders[key].label} also ${own.join(', ')}`];
  });
  return `Left to the Lambda runtime's SDK, by every contender: ${common.join(', ') || 'nothing'}${extra.length === 0 ? '' : `; ${extra.join('; ')}`}.`;
}

export function report(r: Results): { text: string; targets: Target[] } {
  const row = (title: string, cell: (key: Key) => string) => `| ${title} | ${KEYS.map(cell).join(' | ')} |`;
  const invocations = r.plan.batch * r.plan.batches;
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(' ');
  const out = [
    `## Benchmark, ${r.date.slice(0, 10)}`,
    '',
    `${r.machine.cpus}, Node ${r.machine.node}; load average ${load(r.machine.loadAverage.start)} at the start, ${load(r.machine.loadAverage.end)} at the end; ${r.durationSeconds} s.`,
    `Cold start: ${r.plan.coldSamples} fresh processes per contender, median [p25–p75]. Warm: ${int(r.plan.warmup)} invocations to warm up, then ${int(invocations)} measured per contender in ${r.plan.batches} interleaved batches.`,
    '',
    `| | ${KEYS.map((key) => r.contenders[key].label).join(' | ')} |`,
    `|---|${KEYS.map(() => '---:').join('|')}|`,
    row('bundle / deploy zip, bytes', (key) => `${int(r.contenders[key].bundleBytes)} / ${int(r.contenders[key].zipBytes)}`),
    row('cold: module load, ms', (key) => spread(r.cold[key].loadMs)),
    row('cold: first invocation, ms', (key) => spread(r.cold[key].firstMs)),
    row('**cold: load + first invocation, ms**', (key) => `**${fixed(r.cold[key].totalMs.median)}**`),
    row('cold: CPU, ms', (key) => fixed(r.cold[key].cpuMs.median)),
    row('**warm p50 (mix), µs**', (key) => `**${int(r.warm[key].all.p50)}**`),
    row('warm p99 (mix), µs', (key) => int(r.warm[key].all.p99)),
    row('warm p50 by request: pool · echo · 401 · 422, µs', (key) =>
      (['pool', 'echo', 'unauthorized', 'invalid'] as const).map((kind) => int(r.warm[key].byKind[kind]?.p50 ?? NaN)).join(' · '),
    ),
    row('warm CPU per invocation, µs', (key) => int(r.warm[key].cpuMicrosPerInvocation)),
    row('heap after GC: after warm-up → growth, MiB', (key) => `${fixed(r.warm[key].memory.heapMiB[0] ?? NaN)} → ${signed(r.warm[key].heapGrowthMiB)}`),
    row('RSS: after warm-up → growth, MiB', (key) => `${fixed(r.warm[key].memory.rssMiB[0] ?? NaN)} → ${signed(r.warm[key].rssGrowthMiB, 1)}`),
    '',
    leftToRuntime(r),
    '',
    '### Targets',
    '',
    '| | value | target | |',
    '|---|---:|---:|---|',
  ];
  const judged = targets(r);
  for (const t of judged) out.push(`| ${t.what} | ${fixed(t.value, 2)} | ≤ ${fixed(t.limit, 2)} | ${t.met ? 'met' : '**not met**'} |`);
  const cold = (key: Key) => r.cold[key].totalMs.median;
  out.push(
    '',
    `Against (s), which reads its secret from SSM as ours does on a deployed stage: cold start ${fixed(cold('ours') / cold('middySsm'), 2)}, ` +
      `deploy zip ${fixed(r.contenders.ours.zipBytes / r.contenders.middySsm.zipBytes, 2)}, warm pool-event p50 ` +
      `${fixed((r.warm.ours.byKind.pool?.p50 ?? NaN) / (r.warm.middySsm.byKind.pool?.p50 ?? NaN), 2)}.`,
  );
  return { text: `${out.join('\n')}\n`, targets: judged };
}
