/**
 * `npm run schemas`: writes the published contract (schemas/*.json,
 * schemas/asyncapi.yaml and the table of types in docs/contract.md) from the
 * declarations in lib/contract/, with the generator of tools/codegen/.
 * `--check` writes nothing and fails when a file is stale. The contract of a
 * version is recorded the first time it is generated; generating another under
 * the same version fails, naming the version to bump.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENTS_PACKAGE_JSON, generateContract, staleContractFiles, writeContract } from '../tools/codegen/generate';
import { contractDigest, RELEASED_CONTRACTS_FILE, recordRelease } from '../tools/codegen/releases';
import { command, repositoryRoot, runCommand } from './cli.mjs';

const root = repositoryRoot(import.meta.url);

const spec = command({
  name: 'schemas',
  summary:
    "Writes the published contract (schemas/*.json, schemas/asyncapi.yaml, docs/contract.md's table of types and the events package's TypeScript types) from the declarations in lib/contract/, and records a new version's contract; exits 1 when a recorded version's contract changed (bump the version).",
  options: {
    check: { type: 'boolean', description: 'write nothing; exit 1 when a file is stale' },
  },
});

await runCommand(spec, async ({ values }) => {
  if (values.check === true) {
    const stale = await staleContractFiles(root);
    if (stale.length > 0) {
      console.error(`Stale (run npm run schemas):\n  ${stale.join('\n  ')}`);
      return 1;
    }
    console.log('The contract files are up to date.');
    return 0;
  }
  const changed = await writeContract(root);
  console.log(changed.length === 0 ? 'The contract files were up to date.' : `Updated:\n  ${changed.join('\n  ')}`);
  const { version } = JSON.parse(readFileSync(path.join(root, EVENTS_PACKAGE_JSON), 'utf8')) as { version: string };
  const release = recordRelease(root, version, contractDigest(await generateContract(root)));
  switch (release.kind) {
    case 'recorded':
      console.log(`The contract of ${version} is recorded in ${RELEASED_CONTRACTS_FILE}.`);
      return 0;
    case 'unchanged':
      return 0;
    case 'changed':
      console.error(
        `The contract changed, and ${version} announced another one (${RELEASED_CONTRACTS_FILE}). Bump the version in package.json and ` +
          `${EVENTS_PACKAGE_JSON} as docs/contract.md#versions says (a patch for a description, a minor for an addition, a major for a break), add it to CHANGELOG.md, and run npm run schemas again.`,
      );
      return 1;
  }
});
