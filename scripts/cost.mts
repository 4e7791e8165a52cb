/**
 * `npm run cost`: what a stage costs a month for a number of events, from AWS's published prices
 * (tools/cost/prices.ts, with their pages and date) and sizes measured on the relay itself, offline.
 */
import { command, integerOption, repositoryRoot, runCommand, UsageError } from './cli.mjs';

const spec = command({
  name: 'cost',
  summary:
    "What a stage costs a month: the lines that grow with the events it relays and the idle stage's, from AWS's published prices (US East, no free tier) and the relay's measured message, log and metric sizes. Runs offline.",
  options: {
    events: { type: 'string', value: 'N', description: 'events relayed a month (default 1000000)' },
    'log-level': { type: 'string', value: 'LEVEL', description: "the stage's logLevel: INFO (default) or WARN, which logs a published event's metrics alone" },
    'duration-ms': { type: 'string', value: 'MS', description: 'billed milliseconds of a warm request (default 25: the relay and SNS in region)' },
    'event-types': { type: 'string', value: 'N', description: 'event types the stage publishes in a month, 1 to 18 (default 5)' },
    'without-type-metrics': { type: 'boolean', description: 'the stage has metricsByEventType=false: metrics per service only' },
    archive: { type: 'boolean', description: 'the stage has the event archive (archive=true)' },
    ingress: {
      type: 'string',
      value: 'MODE',
      description: "the stage's ingress: httpApi (default) or functionUrl, which has no request charge and no access log",
    },
  },
});

await runCommand(spec, async ({ values }) => {
  const level = values['log-level'] ?? 'INFO';
  if (level !== 'INFO' && level !== 'WARN') throw new UsageError(`--log-level takes INFO or WARN, not '${level}'`);
  const ingress = values.ingress ?? 'httpApi';
  if (ingress !== 'httpApi' && ingress !== 'functionUrl') throw new UsageError(`--ingress takes httpApi or functionUrl, not '${ingress}'`);
  const { costTables, DEFAULT_OPTIONS } = await import('../tools/cost/tables');
  const tables = await costTables(repositoryRoot(import.meta.url), {
    eventsPerMonth: integerOption(values.events, 'events', DEFAULT_OPTIONS.eventsPerMonth, { min: 0, max: 1e12 }),
    logLevel: level,
    durationMs: integerOption(values['duration-ms'], 'duration-ms', DEFAULT_OPTIONS.durationMs, { min: 1, max: 10_000 }),
    eventTypes: integerOption(values['event-types'], 'event-types', DEFAULT_OPTIONS.eventTypes, { min: 1, max: 18 }),
    metricsByEventType: values['without-type-metrics'] !== true,
    archive: values.archive === true,
    ingress,
  });
  console.log(tables);
  return 0;
});
