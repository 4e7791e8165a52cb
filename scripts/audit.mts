/**
 * `npm run audit`: fails on any high or critical advisory in the production
 * dependencies (what is bundled into the function). When the registry does not
 * answer npm's advisory request (a mirror or proxy without the service, no
 * network), it says plainly that nothing was checked and exits 0: an
 * unanswered request is not a vulnerability, and a build that is always red
 * where the service is missing would teach people to ignore it. Where the
 * registry answers, its advisories decide.
 */
import { spawnSync } from 'node:child_process';
import { command, runCommand } from './cli.mjs';

type Severity = 'critical' | 'high' | 'moderate' | 'low' | 'info';

/** The parts of `npm audit --json` read here: the counts and findings of a report, or the error of a request that failed. */
interface AuditReport {
  metadata?: { vulnerabilities?: Partial<Record<Severity, number>> };
  vulnerabilities?: Record<string, { severity?: Severity; via?: ({ title?: string; url?: string } | string)[] }>;
  message?: string;
  uri?: string;
  error?: { summary?: string };
}

const SERIOUS: readonly Severity[] = ['critical', 'high'];

const spec = command({
  name: 'audit',
  summary:
    "Runs `npm audit` on the production dependencies and exits 1 on a high or critical advisory, naming each. When the registry does not answer npm's advisory request, it says that nothing was checked, and why, and exits 0.",
  options: {},
  notes: ["The registry is npm's own setting (`npm config get registry`, or npm_config_registry)."],
});

await runCommand(spec, () => {
  const result = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
  let report: AuditReport;
  try {
    report = JSON.parse(result.stdout || '{}') as AuditReport;
  } catch {
    report = {};
  }
  const counts = report.metadata?.vulnerabilities;
  if (counts === undefined) {
    const reason = report.message ?? report.error?.summary ?? (result.error ? String(result.error) : `npm audit exited ${String(result.status)}`);
    console.log(
      `audit: NOT CHECKED: no production dependency was checked for advisories, because the registry did not answer npm's advisory request (${reason}). ` +
        'This is not a pass: run `npm run audit` where the registry answers it (registry.npmjs.org does); there, a high or critical advisory fails it.',
    );
    return 0;
  }
  const count = (severity: Severity): number => counts[severity] ?? 0;
  console.log(
    `audit: production dependencies checked: critical ${count('critical')}, high ${count('high')}, moderate ${count('moderate')}, low ${count('low')}`,
  );
  const serious = Object.entries(report.vulnerabilities ?? {}).filter(([, finding]) => finding.severity !== undefined && SERIOUS.includes(finding.severity));
  for (const [name, finding] of serious) {
    const advisories = (finding.via ?? []).flatMap((via) =>
      typeof via === 'string' ? [`through ${via}`] : [`${via.title ?? 'advisory'} ${via.url ?? ''}`.trim()],
    );
    console.log(`  ${finding.severity ?? ''} ${name}: ${advisories.join('; ')}`);
  }
  return count('critical') + count('high') > 0 ? 1 : 0;
});
