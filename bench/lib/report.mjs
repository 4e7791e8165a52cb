// @ts-check
/** The markdown report, the ratios and the issue's targets (met / not met). */

const ALL_KEYS = ['ours', 'middy', 'zod', 'floor'];
/** Memory "beyond noise": what the report calls growth. */
const RSS_NOISE_MIB = 5;
const HEAP_NOISE_MIB = 1;

const int = (/** @type {number} */ n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (/** @type {number} */ n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const ratio = (/** @type {number} */ a, /** @type {number} */ b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const signedFixed = (/** @type {number} */ n, digits = 1) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)}` : '–');
const spread = (/** @type {{ median: number, p25: number, p75: number }} */ d) => `${fixed(d.median)} [${fixed(d.p25)}–${fixed(d.p75)}]`;

/** @param {any} r the results object of run.mjs */
export function report(r) {
  const KEYS = ALL_KEYS.filter((key) => r.sizes[key] !== undefined);
  const label = (/** @type {string} */ key) => r.contenders[key]?.label ?? key;
  const row = (/** @type {string} */ title, /** @type {(key: string) => string} */ cell) => `| ${title} | ${KEYS.map(cell).join(' | ')} |`;
  /** @type {(key: string) => any} */
  const cold = (key) => r.cold[key];
  /** @type {(key: string) => any} */
  const warm = (key) => r.warm[key];

  const ratios = {
    coldStartCpu: {
      oursOverFloor: ratio(cold('ours').cpuTotal.median, cold('floor')?.cpuTotal.median),
      oursOverA: ratio(cold('ours').cpuTotal.median, cold('middy')?.cpuTotal.median),
    },
    warmCpu: {
      oursOverFloor: ratio(warm('ours').cpuMicrosPerInvocation, warm('floor')?.cpuMicrosPerInvocation),
      oursOverA: ratio(warm('ours').cpuMicrosPerInvocation, warm('middy')?.cpuMicrosPerInvocation),
      oursOverB: ratio(warm('ours').cpuMicrosPerInvocation, warm('zod')?.cpuMicrosPerInvocation),
    },
    coldStart: {
      oursOverFloor: ratio(cold('ours').total.median, cold('floor')?.total.median),
      oursOverA: ratio(cold('ours').total.median, cold('middy')?.total.median),
      oursOverB: ratio(cold('ours').total.median, cold('zod')?.total.median),
    },
    moduleLoad: {
      oursOverFloor: ratio(cold('ours').load.median, cold('floor')?.load.median),
      oursOverA: ratio(cold('ours').load.median, cold('middy')?.load.median),
      oursOverB: ratio(cold('ours').load.median, cold('zod')?.load.median),
    },
    warmP50: {
      oursOverFloor: ratio(warm('ours').mix.p50, warm('floor')?.mix.p50),
      oursOverA: ratio(warm('ours').mix.p50, warm('middy')?.mix.p50),
      oursOverB: ratio(warm('ours').mix.p50, warm('zod')?.mix.p50),
      poolOnlyOursOverFloor: ratio(warm('ours').byKind.pool?.p50, warm('floor')?.byKind.pool?.p50),
    },
    zip: {
      oursOverFloor: ratio(r.sizes.ours.zipBytes, r.sizes.floor?.zipBytes),
      oursOverA: ratio(r.sizes.ours.zipBytes, r.sizes.middy?.zipBytes),
      oursOverB: ratio(r.sizes.ours.zipBytes, r.sizes.zod?.zipBytes),
      floorOverA: ratio(r.sizes.floor?.zipBytes, r.sizes.middy?.zipBytes),
    },
  };
  const memory = warm('ours').memory;
  const memoryOk =
    memory.rssLowGrowthMiB <= RSS_NOISE_MIB &&
    memory.rssHighGrowthMiB <= RSS_NOISE_MIB &&
    memory.heapLowGrowthMiB <= HEAP_NOISE_MIB &&
    memory.heapTrendMiB <= HEAP_NOISE_MIB;
  const targets = [
    {
      what: 'cold start (load + first invocation), ours / floor',
      value: ratios.coldStart.oursOverFloor,
      target: '≤ 1.15',
      met: ratios.coldStart.oursOverFloor <= 1.15,
    },
    { what: 'cold start, ours / (a)', value: ratios.coldStart.oursOverA, target: '≤ 0.70', met: ratios.coldStart.oursOverA <= 0.7 },
    { what: 'warm p50 (mix), ours / floor', value: ratios.warmP50.oursOverFloor, target: '≤ 1.25', met: ratios.warmP50.oursOverFloor <= 1.25 },
    { what: 'warm p50 (mix), ours / (a)', value: ratios.warmP50.oursOverA, target: '≤ 1.00', met: ratios.warmP50.oursOverA <= 1 },
    { what: 'warm p50 (mix), ours / (b)', value: ratios.warmP50.oursOverB, target: '≤ 1.00', met: ratios.warmP50.oursOverB <= 1 },
    { what: 'deploy zip, ours / (a)', value: ratios.zip.oursOverA, target: '≤ 0.70', met: ratios.zip.oursOverA <= 0.7 },
    {
      what: `memory, ours: growth over ${int(memory.invocations)} invocations (2nd half vs 1st half of the samples: low · high water; heap trend)`,
      value: NaN,
      shown: `RSS ${signedFixed(memory.rssLowGrowthMiB)} · ${signedFixed(memory.rssHighGrowthMiB)} MiB, heap ${signedFixed(memory.heapLowGrowthMiB, 2)} MiB, heap trend ${signedFixed(memory.heapTrendMiB, 2)} MiB`,
      target: `RSS ≤ ${RSS_NOISE_MIB} MiB, heap after GC ≤ ${HEAP_NOISE_MIB} MiB`,
      met: memoryOk,
    },
  ];

  const out = [];
  out.push(`## Benchmark: ours against Middy + Powertools, zod and the SDK floor${r.quick ? ' (--quick smoke run: too few samples to judge)' : ''}`);
  out.push('');
  out.push(
    `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node} (Lambda runs nodejs22.x), ${r.machine.platform}. ` +
      `Load average ${r.machine.loadAverageAtStart.join(' / ')} at start, ${r.machine.loadAverageAtEnd.join(' / ')} at the end; ${r.durationSeconds} s. ${r.generatedAt}.`,
  );
  out.push('');
  for (const [key, c] of Object.entries(r.contenders)) {
    const reason = /** @type {{ unavailable?: string }} */ (c).unavailable;
    if (reason) out.push(`**${label(key)} is not in this run**: ${reason}\n`);
  }
  out.push(`| | ${KEYS.map(label).join(' | ')} |`);
  out.push(`|---|${KEYS.map(() => '---:').join('|')}|`);
  out.push(row('bundle, bytes', (k) => int(r.sizes[k].bundleBytes)));
  out.push(row('deploy zip, bytes', (k) => int(r.sizes[k].zipBytes)));
  out.push(row(`cold: module load, ms, median [p25–p75] of ${cold('ours').load.n}`, (k) => spread(cold(k).load)));
  out.push(row('cold: first invocation, ms', (k) => spread(cold(k).first)));
  out.push(row('**cold: load + first invocation, ms**', (k) => `**${spread(cold(k).total)}**`));
  out.push(row('cold: min – max, ms', (k) => `${fixed(cold(k).total.min)} – ${fixed(cold(k).total.max)}`));
  out.push(row('cold: CPU time of load + first invocation, ms', (k) => spread(cold(k).cpuTotal)));
  out.push(row(`**warm p50 (mix), µs** over ${int(warm('ours').invocations)} each`, (k) => `**${fixed(warm(k).mix.p50)}**`));
  out.push(row('warm p99 (mix), µs', (k) => fixed(warm(k).mix.p99)));
  out.push(row('warm mean (mix), µs', (k) => fixed(warm(k).mix.mean)));
  out.push(
    row('p50 by kind, µs: pool / echo / 401 / 422', (k) =>
      ['pool', 'echo', 'unauthorized', 'invalid'].map((kind) => fixed(warm(k).byKind[kind]?.p50, 0)).join(' / '),
    ),
  );
  out.push(row('throughput, invocations/s (one at a time)', (k) => int(warm(k).throughputPerSecond)));
  out.push(row('CPU per invocation (mix, all threads), µs', (k) => fixed(warm(k).cpuMicrosPerInvocation, 0)));
  out.push(row('RSS after warm-up, MiB', (k) => fixed(warm(k).memory.rssAfterWarmupMiB)));
  out.push(row('memory run, invocations', (k) => int(warm(k).memory.invocations)));
  out.push(
    row('RSS growth, 2nd vs 1st half: low · high water, MiB [range]', (k) => {
      const m = warm(k).memory;
      return `${signedFixed(m.rssLowGrowthMiB)} · ${signedFixed(m.rssHighGrowthMiB)} [${fixed(m.rssRangeMiB[0], 0)}–${fixed(m.rssRangeMiB[1], 0)}]`;
    }),
  );
  out.push(
    row('heap after GC: low-water growth · trend, MiB · B/invocation', (k) => {
      const m = warm(k).memory;
      return `${signedFixed(m.heapLowGrowthMiB, 2)} · ${signedFixed(m.heapTrendMiB, 2)} · ${signedFixed(m.heapSlopeBytesPerInvocation, 1)}`;
    }),
  );
  if (r.e2e && !r.e2e.error) {
    out.push(
      row(`e2e over HTTP: req/s (p99 ms), ${r.plan.e2eConnections} connections`, (k) =>
        r.e2e[k]?.error ? 'failed' : `${int(r.e2e[k]?.requestsPerSecond)} (${fixed(r.e2e[k]?.latencyP99Ms, 0)})`,
      ),
    );
  }
  const statusNote = KEYS.map(
    (k) =>
      `${label(k)}: ${Object.entries(warm(k).statuses)
        .map(([kind, counts]) => `${kind} ${Object.keys(/** @type {object} */ (counts)).join('/')}`)
        .join(', ')}`,
  ).join('; ');
  out.push('');
  out.push(
    `Cold-start answers — ${KEYS.map(
      (k) =>
        `${label(k)}: ${Object.entries(cold(k).statuses ?? {})
          .map(([status, n]) => `${status} ×${n}`)
          .join(', ')}`,
    ).join('; ')}.`,
  );
  out.push('');
  out.push(`Answers seen in the warm mix — ${statusNote}. The floor publishes everything (no auth, no validation).`);
  out.push('');
  out.push("### Ratios and the issue's targets");
  out.push('');
  out.push('| ratio (medians of this run) | value | target | |');
  out.push('|---|---:|---|---|');
  for (const t of targets) out.push(`| ${t.what} | ${t.shown ?? fixed(t.value, 2)} | ${t.target} | ${t.met ? '**met**' : '**not met**'} |`);
  out.push(`| cold start, ours / (b) | ${fixed(ratios.coldStart.oursOverB, 2)} | – | |`);
  out.push(
    `| cold start by CPU time (less sensitive to a busy machine): ours / floor · ours / (a) | ${fixed(ratios.coldStartCpu.oursOverFloor, 2)} · ${fixed(ratios.coldStartCpu.oursOverA, 2)} | – | |`,
  );
  out.push(
    `| CPU per warm invocation: ours / floor · / (a) · / (b) | ${fixed(ratios.warmCpu.oursOverFloor, 2)} · ${fixed(ratios.warmCpu.oursOverA, 2)} · ${fixed(ratios.warmCpu.oursOverB, 2)} | – | |`,
  );
  out.push(
    `| module load only: ours / floor · / (a) · / (b) | ${fixed(ratios.moduleLoad.oursOverFloor, 2)} · ${fixed(ratios.moduleLoad.oursOverA, 2)} · ${fixed(ratios.moduleLoad.oursOverB, 2)} | – | |`,
  );
  out.push(`| warm p50, pool events only, ours / floor | ${fixed(ratios.warmP50.poolOnlyOursOverFloor, 2)} | – | |`);
  out.push(
    `| deploy zip, ours / floor · ours / (b) · floor / (a) | ${fixed(ratios.zip.oursOverFloor, 2)} · ${fixed(ratios.zip.oursOverB, 2)} · ${fixed(ratios.zip.floorOverA, 2)} | – | |`,
  );
  out.push('');

  out.push('### Conformance (same answers as ours?)');
  out.push('');
  for (const [key, summary] of Object.entries(r.conformance.summary)) {
    const s = /** @type {{ cases: number, same: number, outOfScope: number, differences: { case: string, differences: string[], outOfScope?: boolean }[] }} */ (
      summary
    );
    out.push(
      `- ${label(key)}: ${s.same}/${s.cases} cases identical (status, content-type, retry-after, body, published message and attributes)` +
        (s.outOfScope > 0
          ? `; ${s.outOfScope} more differ only where its brief stops: types it does not declare (it validates the pool type only, and other types against the envelope) and the publish-retry queue (it answers 503 while SNS fails).`
          : '.'),
    );
    for (const d of s.differences.filter((x) => !x.outOfScope)) out.push(`  - ${d.case}: ${d.differences.join('; ')}`);
  }
  out.push(
    `- Quarantine records sent to SQS during the check: ${Object.entries(r.conformance.quarantinedRecords)
      .map(([k, n]) => `${label(k)} ${n}`)
      .join(', ')}.`,
  );
  out.push('');

  out.push('### Where the time goes');
  out.push('');
  out.push(
    `Bundle composition of ours (esbuild metafile, bytes in the output): ${r.sizes.ours.topPackages
      .slice(0, 10)
      .map((/** @type {{ name: string, bytes: number }} */ p) => `${p.name} ${int(p.bytes)}`)
      .join(', ')}.`,
  );
  out.push('');
  out.push('Module load of single components (fresh process each, median ms):');
  out.push('');
  out.push('| component | bundle bytes | module load, ms |');
  out.push('|---|---:|---:|');
  for (const p of r.probes) out.push(`| ${p.label} | ${int(p.bundleBytes)} | ${spread(p.load)} |`);
  out.push('');
  if (r.experiments) {
    out.push(
      'One change at a time to our function (built from functions/webhook.ts with a substitution or an extra `external`; measured in their own interleaved rounds, Δ against ours in the same rounds):',
    );
    out.push('');
    out.push(
      '| variant | zip, bytes (Δ) | module load, ms (Δ) | load + first, ms (Δ) | load + first, CPU ms (Δ) | warm p50 mix, µs (Δ) | warm p50 pool, µs (Δ) | warm CPU / invocation, µs (Δ) |',
    );
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    const signed = (/** @type {number} */ n, digits = 1) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)}` : '–');
    for (const e of r.experiments) {
      const first = e.key === 'ours';
      out.push(
        `| ${e.label} | ${int(e.zipBytes)}${first ? '' : ` (${signed(e.delta.zipBytes, 0)})`} | ${fixed(e.load.median)}${first ? '' : ` (${signed(e.delta.loadMs)})`} | ${fixed(e.total.median)}${first ? '' : ` (${signed(e.delta.coldMs)})`} | ${fixed(e.cpu.median)}${first ? '' : ` (${signed(e.delta.coldCpuMs)})`} | ${fixed(e.warmP50, 0)}${first ? '' : ` (${signed(e.delta.warmP50Us, 0)})`} | ${fixed(e.warmPoolP50, 0)}${first ? '' : ` (${signed(e.delta.warmPoolP50Us, 0)})`} | ${fixed(e.warmCpuMicros, 0)}${first ? '' : ` (${signed(e.delta.warmCpuUs, 0)})`} |`,
      );
    }
    out.push('');
  }
  if (r.steps) {
    out.push(
      'A warm pool event, step by step (bench/steps.ts: our handler in one process with one more thing taken away at each step, down to the floor; steps interleaved, pool events only):',
    );
    out.push('');
    out.push('| step | p50, µs | Δ to the step before, µs |');
    out.push('|---|---:|---:|');
    r.steps.forEach((/** @type {{ label: string, p50: number }} */ step, /** @type {number} */ index) => {
      const before = r.steps[index - 1];
      out.push(`| ${step.label} | ${fixed(step.p50, 0)} | ${before ? fixed(step.p50 - before.p50, 0) : ''} |`);
    });
    out.push('');
  }
  const budget = floorBudget(r.experiments, r.steps);
  if (budget) {
    out.push(
      `What the floor targets leave room for: a cold start ≤ 1.15 × the floor allows ${fixed(budget.cold.allowed)} ms over its ${fixed(budget.cold.floor)} ms (experiments' rounds); ours is ${fixed(budget.cold.gap)} ms over it, of which Powertools Logger + Metrics ${fixed(budget.cold.powertools)}, validation (valibot, the 18 declarations and the attributes they yield) ${fixed(budget.cold.validation)}, and the rest of our code ${fixed(budget.cold.rest)}. ` +
        `A warm p50 ≤ 1.25 × the floor allows ${fixed(budget.warm.allowed, 0)} µs over its ${fixed(budget.warm.floor, 0)} µs (the steps above); ours is ${fixed(budget.warm.gap, 0)} µs over it, of which Powertools Logger + Metrics ${fixed(budget.warm.powertools, 0)}, writing the log line at all ${fixed(budget.warm.logLine, 0)}, and everything else ${fixed(budget.warm.rest, 0)}.`,
    );
    out.push('');
  }
  if (r.profile) {
    const list = (/** @type {{ bucket: string, ms: number, share: number }[]} */ rows, unit = 'ms', n = 10) =>
      rows
        .slice(0, n)
        .map((x) => `${x.bucket} ${fixed(x.ms, unit === 'µs' ? 0 : 1)} ${unit} (${fixed(x.share * 100, 0)}%)`)
        .join(', ');
    out.push(
      `CPU profiles of ours (${r.profile.bundleIdenticalToMeasured ? 'same bytes as the measured bundle' : 'NOTE: profiled build differs from the measured one'}; profiling inflates times, read the shares):`,
    );
    out.push('');
    out.push(`- module load: ${list(r.profile.moduleLoad)}`);
    out.push(`- first invocation: ${list(r.profile.firstInvocation)}`);
    out.push(`- per request (mix, CPU µs per invocation): ${list(r.profile.perRequestMicros, 'µs', 16)}`);
    const sp = r.profile.perRequestSplit;
    if (sp) {
      out.push(
        `- per request, SDK + Node HTTP vs everything else in the bundle (µs per invocation of the mix, profiled): ours ${fixed(sp.ours.sdkAndHttp, 0)} + ${fixed(sp.ours.rest, 0)}; ` +
          `the floor ${fixed(sp.floor.sdkAndHttp, 0)} + ${fixed(sp.floor.rest, 0)} (the floor publishes on every request of the mix, ours on 70 % to SNS and 10 % to the SQS quarantine)`,
      );
    }
    out.push(`- per request, outside any bundle frame: ${list(r.profile.perRequestOutside, 'µs', 5)}`);
    out.push('');
  }
  if (r.e2e?.error) out.push(`End to end over HTTP failed: ${r.e2e.error}\n`);
  out.push(
    'Method: bundles built from serverless.yml custom.esbuild exactly as serverless-esbuild does (zip checked against `sls package`); SNS (and SQS, for the quarantine of 422s) answered in-process by replacing only the socket, so the SDK serialises, signs and parses for real; ' +
      'contenders interleaved; logs to /dev/null. Details in bench/README.md and results.json (`method`).',
  );
  out.push('');
  return { text: `${out.join('\n')}\n`, ratios, targets };
}

/**
 * Splits ours' distance to the floor into what Powertools costs and the rest, next to what the
 * floor targets allow: cold start from the experiments (measured in the same rounds), warm p50
 * from the per-request steps (one process, interleaved).
 * @param {any[] | null | undefined} experiments @param {{ key: string, p50: number }[] | null | undefined} steps
 */
export function floorBudget(experiments, steps) {
  const byKey = new Map((experiments ?? []).map((e) => [e.key, e]));
  const ours = byKey.get('ours');
  const floor = byKey.get('exp-floor');
  const noPowertools = byKey.get('exp-no-powertools');
  const noValidation = byKey.get('exp-no-powertools-no-validation');
  const step = new Map((steps ?? []).map((s) => [s.key, s.p50]));
  const [deployed, noMetrics, noLog, floorStep] = ['deployed', 'no-metrics', 'no-log', 'floor'].map((key) => step.get(key));
  if (!ours || !floor || !noPowertools || !noValidation || deployed === undefined || noMetrics === undefined || noLog === undefined || floorStep === undefined)
    return undefined;
  const floorCold = ours.total.median + floor.delta.coldMs;
  const coldGap = -floor.delta.coldMs;
  const coldPowertools = -noPowertools.delta.coldMs;
  const coldValidation = noPowertools.delta.coldMs - noValidation.delta.coldMs;
  return {
    cold: {
      floor: floorCold,
      allowed: 0.15 * floorCold,
      gap: coldGap,
      powertools: coldPowertools,
      validation: coldValidation,
      rest: coldGap - coldPowertools - coldValidation,
    },
    warm: {
      floor: floorStep,
      allowed: 0.25 * floorStep,
      gap: deployed - floorStep,
      powertools: deployed - noMetrics,
      logLine: noMetrics - noLog,
      rest: noLog - floorStep,
    },
  };
}
