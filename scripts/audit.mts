/**
 * `npm run audit`: fails on any high or critical advisory in the production
 * dependencies (what is bundled into the function). When the registry's audit
 * service cannot be reached, it says so loudly and does not fail: an unreachable
 * service is not a vulnerability, and a red build would teach people to ignore it.
 */
import { spawnSync } from 'node:child_process';
import { command, runCommand } from './cli.mjs';

/** The parts of `npm audit --json` read here. */
interface AuditReport {
  metadata?: { vulnerabilities?: Partial<Record<'critical' | 'high' | 'moderate' | 'low', number>> };
  message?: string;
  error?: { summary?: string };
}

const spec = command({
  name: 'audit',
  summary:
    'Runs `npm audit` on the production dependencies and exits 1 on a high or critical advisory. When the advisory service cannot be reached it says so and exits 0.',
  options: {},
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
    console.warn(`audit: NOT CHECKED — the advisory service could not be reached (${reason})`);
    return 0;
  }
  const serious = (counts.high ?? 0) + (counts.critical ?? 0);
  console.log(
    `audit: production dependencies — critical ${counts.critical ?? 0}, high ${counts.high ?? 0}, moderate ${counts.moderate ?? 0}, low ${counts.low ?? 0}`,
  );
  if (serious > 0) {
    spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high'], { stdio: 'inherit' });
    return 1;
  }
  return 0;
});
