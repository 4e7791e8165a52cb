/**
 * The events package as a subscriber in another repository gets it: `npm
 * pack` builds the tarball, a scratch project outside the repository
 * installs it OFFLINE with an empty npm cache (valibot, its one dependency,
 * from a tarball of the version the repository uses, standing in for the
 * registry), type-checks a subscriber written against it, ESM and CommonJS,
 * and runs both on SQS records that the relay published through the
 * emulator. Nothing in the scratch project can see the repository's
 * node_modules except the TypeScript compiler and Node's own types.
 *
 * A second scratch project installs the same tarballs and the subpath
 * exports' peer dependencies (Powertools Idempotency, the DynamoDB client),
 * linked from the repository's node_modules in place of the registry: an
 * offline install of the AWS SDK's hundred-odd packages would cost more
 * than the rest of this file. It type-checks a subscriber that uses both
 * helpers, ESM and CommonJS, and runs it against a DynamoDB emulator
 * (dynalite, in the test's process, on 127.0.0.1).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type DynamoDbEmulator, startDynamoDb } from '../support/dynamodb/emulator';
import { CREDENTIALS, Emulator, REGION, uniqueName } from '../support/integration/aws';
import { loadEvent, ROOT, signed } from '../support/integration/events';
import { receiveRecords } from '../support/integration/lambda-records';
import { run, type Finished } from '../support/integration/processes';
import { deployedEnv, loadRelay, TEST_SECRET } from '../support/integration/relay';
import { type CodeBlock, codeBlocks, DOCUMENTS, fileNameOf, importedPackages, isTypeScript } from '../support/docs-code';

const { version } = JSON.parse(readFileSync(path.join(ROOT, 'packages/events/package.json'), 'utf8')) as { version: string };
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A subscriber as its authors would write it; `RESOLVED` differs between the ESM and the CommonJS copy. */
const SUBSCRIBER = `
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { CONTRACT_VERSION, type DroamEvent, dataschemaOf, eventSchemas, readSqsRecord, type SqsRecordLike } from '@droam-webhook-relay/events';

interface SqsEvent {
  readonly Records: readonly (SqsRecordLike & { readonly messageId: string })[];
}

function describe(event: DroamEvent): string {
  switch (event.type) {
    case 'rule.pool.usage.triggered': {
      const usage: number | null | undefined = event.data.pool.current_usage_kb;
      return \`pool \${event.data.pool.uuid} at \${String(usage)} KB\`;
    }
    case 'company.updated':
      return \`company \${event.data.company.name}\`;
    default:
      return event.type;
  }
}

export function poolUuidAsNumber(event: DroamEvent<'rule.pool.usage.triggered'>): number {
  // @ts-expect-error a pool's uuid is a string: the types are the contract's, not any
  return event.data.pool.uuid;
}

export function handler(event: SqsEvent): { batchItemFailures: { itemIdentifier: string }[]; handled: string[] } {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const handled: string[] = [];
  for (const record of event.Records) {
    const read = readSqsRecord(record);
    if (!read.ok) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    handled.push(read.declared ? \`\${read.delivery} \${read.event.id} \${describe(read.event)}\` : \`\${read.delivery} \${read.event.id} undeclared \${read.event.type}\`);
  }
  return { batchItemFailures, handled };
}

const records = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as SqsEvent;
const first = JSON.parse(records.Records[0]?.body ?? '{}') as unknown;
const parsed = v.safeParse(eventSchemas['rule.pool.usage.triggered'], first);
console.log(
  JSON.stringify({
    contractVersion: CONTRACT_VERSION,
    dataschema: dataschemaOf('rule.pool.usage.triggered'),
    resolved: RESOLVED,
    firstIsPoolUsage: parsed.success ? parsed.output.data.pool.name : false,
    ...handler(records),
  }),
);
`;

const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2023'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    // The package's declaration files are checked too.
    skipLibCheck: false,
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    types: ['node'],
  },
  files: ['subscriber.mts', 'subscriber.cts'],
};

/** A subscriber using both helpers on the relay's pool usage event: three copies, then an older state of the same pool. */
const HELPERS = `
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readSqsRecord, type DroamEvent } from '@droam-webhook-relay/events';
import { EventInProgressError, handleOnce, type HandledOnce } from '@droam-webhook-relay/events/idempotency';
import { newestWins, type NewestWinsOutcome } from '@droam-webhook-relay/events/newest-wins';

type PoolUsage = DroamEvent<'rule.pool.usage.triggered'>;
const [records = '', endpoint = '', idempotencyTable = '', stateTable = ''] = process.argv.slice(2);
const client = new DynamoDBClient({ endpoint, region: '${REGION}', credentials: { accessKeyId: '${CREDENTIALS.accessKeyId}', secretAccessKey: '${CREDENTIALS.secretAccessKey}' } });

const effects: string[] = [];
const usage = newestWins<PoolUsage>({ tableName: stateTable, client, tieBreaker: (event) => event.data.pool.current_usage_kb ?? -1 });
const handle = handleOnce(
  async (event: PoolUsage): Promise<boolean> => {
    const outcome: NewestWinsOutcome<number> = await usage.apply(event, (e) => effects.push(e.id));
    return outcome.applied;
  },
  { tableName: idempotencyTable, client, windowSeconds: 3600 },
);

// @ts-expect-error the handler's result type is kept: a boolean here, not a string
export const wrong: Promise<HandledOnce<string>> = handle({} as PoolUsage);
wrong.catch(() => undefined);

const { Records } = JSON.parse(readFileSync(records, 'utf8')) as { Records: { body: string }[] };
const read = readSqsRecord(Records[0] ?? { body: '' });
if (!read.ok || !read.declared || read.event.type !== 'rule.pool.usage.triggered') throw new Error('not a pool usage event');
const event: PoolUsage = read.event;
const older: PoolUsage = { ...event, id: 'older-state', time: new Date(Date.parse(event.time) - 60_000).toISOString() };
const outcomes: unknown[] = [];
for (const each of [event, { ...event }, event, older]) {
  const { duplicate, result } = await handle(each, { getRemainingTimeInMillis: () => 10_000 });
  outcomes.push({ id: each.id, duplicate, applied: result });
}
console.log(JSON.stringify({ effects, outcomes, inProgressError: new EventInProgressError('x') instanceof Error, resolved: RESOLVED }));
`;

interface HelpersOutput {
  effects: string[];
  outcomes: { id: string; duplicate: boolean; applied: boolean }[];
  inProgressError: boolean;
  resolved: string;
}

interface Output {
  contractVersion: string;
  dataschema: string;
  resolved: string;
  firstIsPoolUsage: string | false;
  batchItemFailures: { itemIdentifier: string }[];
  handled: string[];
}

/**
 * The tsconfig.json the documentation tells a subscriber to use with its TypeScript blocks, which are
 * ES modules: `"module": "nodenext"`, `"strict": true`, and Node's library without the DOM's (`"lib": ["es2023"]`).
 */
const DOCS_TSCONFIG = {
  compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023'], strict: true, skipLibCheck: true, types: ['node'] },
};

/**
 * Every TypeScript block of the documentation, each a file of its own in a project whose
 * `@droam-webhook-relay/events` (and valibot) is the packed package the scratch project installed;
 * the other packages a block imports are the repository's copies, as a subscriber installs them from
 * the registry. One more file is a block broken the way a snippet breaks (a name it never declares),
 * so that the check is seen to fail.
 */
function writeDocsProject(project: string, installed: string): { blocks: readonly CodeBlock[]; canary: string } {
  const blocks = codeBlocks().filter(isTypeScript);
  const link = (target: string, name: string): void => {
    const at = path.join(project, 'node_modules', name);
    if (existsSync(at)) return;
    mkdirSync(path.dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  };
  for (const name of ['@droam-webhook-relay/events', 'valibot']) link(path.join(installed, 'node_modules', name), name);
  link(path.join(ROOT, 'node_modules', '@types', 'node'), '@types/node');
  for (const name of blocks.flatMap((block) => importedPackages(block.code))) {
    if (name === '@droam-webhook-relay/events' || name === 'valibot') continue;
    // A package without types of its own (aws-lambda) is typed by its @types package.
    const own = path.join(ROOT, 'node_modules', name);
    const typed = existsSync(own) ? own : path.join(ROOT, 'node_modules', '@types', name);
    link(typed, existsSync(own) ? name : `@types/${name}`);
  }
  const files = blocks.map((block) => fileNameOf(block, '.mts'));
  for (const [index, block] of blocks.entries()) writeFileSync(path.join(project, files[index] ?? ''), `${block.code}\n`);
  const canary = 'canary.mts';
  const broken = blocks.find((block) => block.file === 'packages/events/README.md')?.code.replace('await alertPoolUsage(', 'await alert(') ?? '';
  writeFileSync(path.join(project, canary), `${broken}\n`);
  writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ ...DOCS_TSCONFIG, files: [...files, canary] }, null, 2));
  return { blocks, canary };
}

/** What `tsc -b --verbose` said of one of the projects it built: whether it built it, and the errors in its files. */
interface ProjectCheck {
  readonly built: boolean;
  readonly errors: readonly string[];
}

/**
 * The three scratch projects type-checked in one `tsc -b`, which parses the standard library and
 * @types/node once for all of them rather than once per project. Each error line starts with its
 * project's folder; every error of the build is also returned, to be checked whole.
 */
async function typecheckProjects(cwd: string, projects: readonly string[]): Promise<{ projects: Map<string, ProjectCheck>; errors: string[] }> {
  const finished = await run(process.execPath, [TSC, '-b', '--verbose', '--pretty', 'false', ...projects], { cwd, timeoutMs: 120_000 });
  const lines = (finished.stdout + finished.stderr).split('\n');
  const checks = new Map(
    projects.map((project): [string, ProjectCheck] => [
      project,
      {
        // tsc names the project by its real path, which differs from cwd's where the temporary folder is a symbolic link.
        built: lines.some((line) => line.includes('Building project ') && line.includes(`/${project}/tsconfig.json'`)),
        errors: lines.filter((line) => line.startsWith(`${project}/`)),
      },
    ]),
  );
  return { projects: checks, errors: lines.filter((line) => /error TS\d+/.test(line)) };
}

const emulator = new Emulator();
let dynamodb: DynamoDbEmulator;
let dir: string;
let scratch: string;
let helpersScratch: string;
let helpersInstalled: Finished;
let helpersInstalledModules: string[];
let helpersTypecheck: ProjectCheck;
let tarball: string;
let packed: Finished;
let installed: Finished;
let typecheck: ProjectCheck;
let docsTypecheck: { blocks: readonly CodeBlock[]; canary: string; check: ProjectCheck; buildErrors: readonly string[] };
const ids: Record<string, string> = {};
let raw: SQSRecord[];
let enveloped: SQSRecord[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'events-package-'));
  scratch = path.join(dir, 'subscriber');
  const cache = path.join(dir, 'empty-npm-cache');
  mkdirSync(scratch);
  mkdirSync(cache);

  packed = await run('npm', ['pack', '-w', 'packages/events', '--pack-destination', dir], { timeoutMs: 120_000 });
  if (packed.code !== 0) throw new Error(`npm pack exited ${packed.code ?? packed.signal}:\n${packed.stdout}\n${packed.stderr}`);
  tarball = path.join(dir, `droam-webhook-relay-events-${version}.tgz`);
  const valibot = await run(
    'npm',
    ['pack', path.join(ROOT, 'node_modules', 'valibot'), '--pack-destination', dir, '--offline', '--ignore-scripts', '--cache', cache],
    {
      timeoutMs: 30_000,
    },
  );
  if (valibot.code !== 0) throw new Error(valibot.stderr);
  const valibotTarball = readdirSync(dir).find((name) => name.startsWith('valibot-') && name.endsWith('.tgz')) ?? '';

  writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-subscriber', version: '1.0.0', private: true }));
  installed = await run(
    'npm',
    ['install', '--offline', '--cache', cache, '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', scratch, tarball, path.join(dir, valibotTarball)],
    { timeoutMs: 60_000 },
  );
  writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(path.join(scratch, 'subscriber.mts'), SUBSCRIBER.replace('RESOLVED', "import.meta.resolve('@droam-webhook-relay/events')"));
  writeFileSync(path.join(scratch, 'subscriber.cts'), SUBSCRIBER.replace('RESOLVED', "require.resolve('@droam-webhook-relay/events')"));
  const docs = writeDocsProject(path.join(dir, 'docs'), scratch);

  helpersScratch = path.join(dir, 'subscriber-with-helpers');
  mkdirSync(helpersScratch);
  writeFileSync(path.join(helpersScratch, 'package.json'), JSON.stringify({ name: 'scratch-subscriber-with-helpers', version: '1.0.0', private: true }));
  helpersInstalled = await run(
    'npm',
    [
      'install',
      '--offline',
      '--cache',
      cache,
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--prefix',
      helpersScratch,
      tarball,
      path.join(dir, valibotTarball),
    ],
    { timeoutMs: 60_000 },
  );
  helpersInstalledModules = readdirSync(path.join(helpersScratch, 'node_modules')).filter((name) => !name.startsWith('.'));
  for (const peer of ['@aws-lambda-powertools/idempotency', '@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']) {
    mkdirSync(path.dirname(path.join(helpersScratch, 'node_modules', peer)), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', peer), path.join(helpersScratch, 'node_modules', peer), 'dir');
  }
  writeFileSync(path.join(helpersScratch, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: ['helpers.mts', 'helpers.cts'] }, null, 2));
  writeFileSync(path.join(helpersScratch, 'helpers.mts'), HELPERS.replace('RESOLVED', "import.meta.resolve('@droam-webhook-relay/events/idempotency')"));
  // CommonJS has no top-level await: the same code in an async function.
  writeFileSync(
    path.join(helpersScratch, 'helpers.cts'),
    HELPERS.replace('RESOLVED', "require.resolve('@droam-webhook-relay/events/idempotency')")
      .replace(/^const \{ Records \}/m, 'async function main(): Promise<void> {\nconst { Records }')
      .concat('}\nvoid main();\n'),
  );
  const checked = await typecheckProjects(dir, [path.basename(scratch), path.basename(helpersScratch), 'docs']);
  const checkOf = (project: string): ProjectCheck => checked.projects.get(project) ?? { built: false, errors: [] };
  typecheck = checkOf(path.basename(scratch));
  helpersTypecheck = checkOf(path.basename(helpersScratch));
  docsTypecheck = { ...docs, check: checkOf('docs'), buildErrors: checked.errors };
  dynamodb = await startDynamoDb();

  // What the relay publishes, as a raw and an enveloped subscription receive it.
  const topicArn = await emulator.createTopic('events-package');
  const rawQueue = await emulator.createQueue('events-package-raw');
  const envelopedQueue = await emulator.createQueue('events-package-enveloped');
  await emulator.subscribe(topicArn, rawQueue, { raw: true });
  await emulator.subscribe(topicArn, envelopedQueue, { raw: false });
  const relay = await loadRelay(deployedEnv(topicArn));
  for (const file of ['pool-usage.json', 'company-updated.json']) {
    const response = await relay.invoke(signed(loadEvent(file), TEST_SECRET));
    expect(response.statusCode).toBe(200);
    ids[file] = String(response.json.id);
  }
  raw = await receiveRecords(emulator, rawQueue, 2);
  await emulator.sqs.send(new SendMessageCommand({ QueueUrl: rawQueue.url, MessageBody: '{"specversion":"1.0","id":"trunc' }));
  raw.push(...(await receiveRecords(emulator, rawQueue, 1)));
  enveloped = await receiveRecords(emulator, envelopedQueue, 2);
  // Pool usage first, so the subscriber's direct schema check has an event of that type to parse.
  const poolFirst = (a: SQSRecord, b: SQSRecord): number =>
    Number(b.body.includes('rule.pool.usage.triggered')) - Number(a.body.includes('rule.pool.usage.triggered'));
  raw.sort(poolFirst);
  enveloped.sort(poolFirst);
  writeFileSync(path.join(scratch, 'raw.json'), JSON.stringify({ Records: raw }));
  writeFileSync(path.join(scratch, 'enveloped.json'), JSON.stringify({ Records: enveloped }));
}, 240_000);

afterAll(async () => {
  emulator.destroy();
  await dynamodb.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function runSubscriber(file: string, events: string): Promise<Output> {
  const result = await run(process.execPath, [path.join(scratch, file), path.join(scratch, events)], { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`${file} exited ${result.code ?? result.signal}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Output;
}

describe('npm pack -w packages/events', () => {
  it('packs the built ESM and CommonJS bundles with their declaration files, the README and package.json, nothing else', async () => {
    const list = await run('tar', ['-tzf', tarball], { timeoutMs: 10_000 });
    expect(list.stdout.trim().split('\n').sort()).toEqual(
      [
        'package/README.md',
        'package/package.json',
        ...['index', 'reader', 'schemas', 'events.generated', 'json-number', 'idempotency', 'newest-wins'].flatMap((name) => [
          `package/dist/${name}.d.cts`,
          `package/dist/${name}.d.mts`,
        ]),
        ...['index', 'idempotency', 'newest-wins'].flatMap((name) => [`package/dist/${name}.cjs`, `package/dist/${name}.mjs`]),
      ].sort(),
    );
  });
});

describe('a scratch project outside the repository', () => {
  it('installs the tarball offline, from an empty npm cache, with valibot as its one dependency', () => {
    expect(installed.code).toBe(0);
    expect(readdirSync(path.join(scratch, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@droam-webhook-relay', 'valibot']);
    const manifest = JSON.parse(readFileSync(path.join(scratch, 'node_modules/@droam-webhook-relay/events/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toEqual({ valibot: expect.any(String) as unknown });
    expect(manifest.version).toBe(version);
    // The subpath exports' dependencies are optional peers: npm installs none of them.
    expect(manifest.peerDependenciesMeta).toEqual({
      '@aws-lambda-powertools/idempotency': { optional: true },
      '@aws-sdk/client-dynamodb': { optional: true },
      '@aws-sdk/lib-dynamodb': { optional: true },
    });
  });

  it('type-checks a subscriber written against it, as ES module and as CommonJS (a wrong use of a field is a type error)', () => {
    expect(typecheck).toEqual({ built: true, errors: [] });
  });

  it.each([
    ['ES module', 'subscriber.mjs', 'index.mjs'],
    ['CommonJS', 'subscriber.cjs', 'index.cjs'],
  ])('runs it, as %s, on what the relay published: typed events, and the unreadable record reported', async (_kind, file, bundle) => {
    const output = await runSubscriber(file, 'raw.json');
    expect(output.resolved).toMatch(new RegExp(`node_modules/@droam-webhook-relay/events/dist/${bundle.replace('.', '\\.')}$`));
    expect(output).toMatchObject({
      contractVersion: version,
      dataschema: 'urn:droam-webhook-relay:schema:event:rule.pool.usage.triggered',
      firstIsPoolUsage: 'EU fleet trackers',
    });
    expect(output.handled.sort()).toEqual(
      [
        `raw ${ids['pool-usage.json']} pool 7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14 at 83886080 KB`,
        `raw ${ids['company-updated.json']} company Example Company`,
      ].sort(),
    );
    const corrupted = raw.find((record) => record.body.includes('trunc'));
    expect(output.batchItemFailures).toEqual([{ itemIdentifier: corrupted?.messageId }]);
  });

  it('a JsonNumber of either build is instanceof JsonNumber of the other, so a subscriber loading both tells them apart alike', async () => {
    const cross = `
      import { createRequire } from 'node:module';
      import * as esm from '@droam-webhook-relay/events';
      const cjs = createRequire(import.meta.url)('@droam-webhook-relay/events');
      const body = JSON.stringify({ specversion: '1.0', id: 'x', source: 'droam', type: 'payment.received', time: '2024-01-01T00:00:00Z', datacontenttype: 'application/json', data: { big: 0 } }).replace('"big":0', '"big":12345678901234567890');
      const read = cjs.readSqsRecord({ body });
      console.log(JSON.stringify({
        distinct: esm.JsonNumber !== cjs.JsonNumber,
        esmOfCjs: new cjs.JsonNumber('1.50') instanceof esm.JsonNumber,
        cjsOfEsm: new esm.JsonNumber('1.50') instanceof cjs.JsonNumber,
        readByCjs: read.ok && read.event.data.big instanceof esm.JsonNumber,
        notANumber: { source: '1' } instanceof esm.JsonNumber,
      }));
    `;
    writeFileSync(path.join(scratch, 'cross.mjs'), cross);
    const result = await run(process.execPath, [path.join(scratch, 'cross.mjs')], { timeoutMs: 30_000 });
    expect(JSON.parse(result.stdout)).toEqual({ distinct: true, esmOfCjs: true, cjsOfEsm: true, readByCjs: true, notANumber: false });
  });

  it('reads an enveloped subscription the same', async () => {
    const output = await runSubscriber('subscriber.cjs', 'enveloped.json');
    expect(output.handled.map((line) => line.split(' ').slice(0, 2).join(' ')).sort()).toEqual(
      [`enveloped ${ids['pool-usage.json']}`, `enveloped ${ids['company-updated.json']}`].sort(),
    );
    expect(output.batchItemFailures).toEqual([]);
  });
});

describe('a scratch project that uses the subpath exports, with their peer dependencies', () => {
  it('installs the same tarball, which brings none of the peer dependencies itself', () => {
    expect(helpersInstalled.code).toBe(0);
    expect(helpersInstalledModules).toEqual(['@droam-webhook-relay', 'valibot']);
  });

  it('type-checks a subscriber using handleOnce and newestWins, as ES module and as CommonJS (the result type is kept)', () => {
    expect(helpersTypecheck).toEqual({ built: true, errors: [] });
  });

  it.each([
    ['ES module', 'helpers.mjs', 'idempotency.mjs'],
    ['CommonJS', 'helpers.cjs', 'idempotency.cjs'],
  ])('runs it, as %s, against the DynamoDB emulator: three copies have one effect, and an older state none', async (_kind, file, bundle) => {
    const [idempotencyTable, stateTable] = [uniqueName('idempotency'), uniqueName('state')];
    await dynamodb.createTable(idempotencyTable, 'id');
    await dynamodb.createTable(stateTable, 'key');
    const result = await run(
      process.execPath,
      [path.join(helpersScratch, file), path.join(scratch, 'raw.json'), dynamodb.endpoint, idempotencyTable, stateTable],
      { timeoutMs: 30_000 },
    );
    if (result.code !== 0) throw new Error(`${file} exited ${result.code ?? result.signal}:\n${result.stderr}`);
    const output = JSON.parse(result.stdout) as HelpersOutput;
    expect(output.resolved).toMatch(new RegExp(`node_modules/@droam-webhook-relay/events/dist/${bundle.replace('.', '\\.')}$`));
    const id = ids['pool-usage.json'];
    expect(output.effects).toEqual([id]);
    expect(output.outcomes).toEqual([
      { id, duplicate: false, applied: true },
      { id, duplicate: true, applied: true },
      { id, duplicate: true, applied: true },
      { id: 'older-state', duplicate: false, applied: false },
    ]);
    expect(output.inProgressError).toBe(true);
  });
});

describe('the TypeScript blocks of README.md, docs/ and the events package README', () => {
  it('are found in the documents that have them', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'docs/contract.md', 'packages/events/README.md']));
    expect([...new Set(docsTypecheck.blocks.map((block) => block.file))].sort()).toEqual(['docs/contract.md', 'packages/events/README.md']);
    expect(docsTypecheck.blocks.length).toBeGreaterThanOrEqual(3);
  });

  it('each type-check as written against the packed package, under the tsconfig the documents name; a broken copy does not', () => {
    expect(docsTypecheck.check.built).toBe(true);
    // Every error of the build is the broken copy's: the documents' own blocks (and the subscribers) compile.
    const canary = `docs/${docsTypecheck.canary}`;
    expect(docsTypecheck.buildErrors.filter((line) => !line.startsWith(canary))).toEqual([]);
    expect(docsTypecheck.check.errors).toEqual([expect.stringMatching(/^docs\/canary\.mts\(\d+,\d+\): error TS2304: Cannot find name 'alert'\.$/)]);
    expect(docsTypecheck.buildErrors).toEqual(docsTypecheck.check.errors);
  });
});
