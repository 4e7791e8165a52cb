/**
 * The folders of lib/ import one way, and an example subscriber imports
 * nothing of the relay's folders (eslint.config.mjs). Each case takes a
 * real file of a folder, adds one import against the direction, and expects
 * lint to refuse it; the file as it is lints clean.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

const cases: [file: string, forbidden: string][] = [
  ['lib/contract/cloudevent.ts', "import '../relay/handler';"],
  ['lib/contract/cloudevent.ts', "import type { SNSClient } from '@aws-sdk/client-sns';"],
  ['lib/contract/schemas/pool.ts', "import '../../observability/sinks';"],
  ['lib/observability/sinks.ts', "import '../contract';"],
  ['packages/events/src/reader.ts', "import '../../../lib/topic/publish';"],
  ['packages/events/src/reader.ts', "import '../../../lib/observability/logger';"],
  ['packages/events/src/reader.ts', "import type { SQSRecord } from 'aws-lambda';"],
  ['lib/contract/cloudevent.ts', "import '../../packages/events/src/reader';"],
  ['lib/relay/pipeline.ts', "import '@droam-webhook-relay/events';"],
  ['lib/lambda/clients.ts', "import '../topic/publish';"],
  ['lib/topic/publish.ts', "import '../queues/records';"],
  ['lib/api-secrets/store.ts', "import '../queues/integrity';"],
  ['lib/queues/retry-drainer.ts', "import '../relay/config';"],
  ['lib/relay/webhook.ts', "import '../archive/archive';"],
  ['lib/relay/pipeline.ts', "import '../../tools/codegen/generate';"],
  ['functions/webhook.ts', "import '../tests/support/unit/harness';"],
  ['examples/pool-usage-subscriber/src/handler.ts', "import '../../../lib/observability/logger';"],
  ['examples/pool-usage-subscriber/src/handler.ts', "import '../../../packages/events/src/reader';"],
  ['examples/pool-usage-subscriber/src/handler.ts', "import '../../../functions/webhook';"],
  ['examples/pool-usage-subscriber/src/handler.ts', "import '../../../tests/support/contract';"],
  ['examples/pool-usage-subscriber/src/handler.ts', "import '../../../tools/local-stage';"],
  ['examples/pool-usage-subscriber/tests/handler.test.ts', "import '../../../lib/relay/webhook';"],
];
const asIs: [file: string, forbidden: string][] = [...new Set(cases.map(([file]) => file))].map((file) => [file, '']);

// ESLint loads its flat config with a dynamic import, which Jest's module system refuses: lint in a child.
const LINT = `
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
// The direction rules alone, without type information: the rest of the config is lint's own business.
const eslint = new ESLint({
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { project: null, projectService: false } } },
});
const out = [];
for (const [file, extra] of JSON.parse(process.argv[1])) {
  const [result] = await eslint.lintText(extra + '\\n' + readFileSync(file, 'utf8'), { filePath: file });
  out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
}
console.log(JSON.stringify(out));
`;

let found: string[][];

beforeAll(() => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINT, JSON.stringify([...cases, ...asIs])], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  found = JSON.parse(run.stdout) as string[][];
}, 60_000);

describe('import direction', () => {
  test.each(cases.map((c, i) => [...c, i] as const))('%s may not add %s', (_file, _forbidden, i) => {
    expect(found[i]).toHaveLength(1);
  });

  test.each(asIs.map(([file], i) => [file, cases.length + i] as const))('%s as it is breaks no direction rule', (_file, i) => {
    expect(found[i]).toEqual([]);
  });
});
