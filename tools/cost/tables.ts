/** The cost model as Markdown tables: what docs/operating.md shows and `npm run cost` prints. */
import { type CostLine, type CostOptions, fixedCosts, stackCounts, total, variableCosts } from './model';
import { measure } from './measure';
import { PRICES_READ, PRICES_REGION } from './prices';

export const DEFAULT_OPTIONS: CostOptions = {
  eventsPerMonth: 1_000_000,
  logLevel: 'INFO',
  durationMs: 25,
  eventTypes: 5,
  metricsByEventType: true,
  archive: false,
  ingress: 'httpApi',
};

/** Dollars to the cent, or to a hundredth of a cent under a cent. */
export const dollars = (value: number): string => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;

function table(lines: readonly CostLine[], totalLabel: string): string {
  const rows = lines.map((line) => `| ${line.line} | ${line.quantity} | ${dollars(line.usd)} | ${line.basis} |`);
  return ['| line | quantity | a month | from |', '|---|---:|---:|---|', ...rows, `| **${totalLabel}** | | **${dollars(total(lines))}** | |`].join('\n');
}

/** Both tables for the options: the lines that grow with the events, and the idle stage's. */
export async function costTables(root: string, options: CostOptions): Promise<string> {
  const [measured, stack] = await Promise.all([measure(root, options.eventTypes), stackCounts(root, options.archive, options.ingress)]);
  const variable = variableCosts(options, measured, stack, root);
  const fixed = fixedCosts(stack);
  const events = options.eventsPerMonth.toLocaleString('en-US');
  return [
    `${events} events a month, logLevel ${options.logLevel}${options.archive ? ', with the event archive' : ''}${options.ingress === 'functionUrl' ? ', through a function URL' : ''} (${PRICES_REGION}, AWS's prices of ${PRICES_READ}, no free tier):`,
    '',
    table(variable, `${events} events`),
    '',
    'An idle stage, every month whatever the traffic:',
    '',
    table(fixed, 'idle stage'),
    '',
    `Together: ${dollars(total(variable) + total(fixed))} a month.`,
  ].join('\n');
}
