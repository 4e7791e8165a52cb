/**
 * `npm run schemas`: writes the published contract (schemas/*.json,
 * schemas/asyncapi.yaml and the table of types in docs/contract.md) from the
 * declarations in lib/contract/, with the generator of tools/codegen/.
 * `--check` writes nothing and fails when a file is stale.
 */
import { staleContractFiles, writeContract } from '../tools/codegen/generate';
import { command, repositoryRoot, runCommand } from './cli.mjs';

const root = repositoryRoot(import.meta.url);

const spec = command({
  name: 'schemas',
  summary:
    "Writes the published contract (schemas/*.json, schemas/asyncapi.yaml, docs/contract.md's table of types and the events package's TypeScript types) from the declarations in lib/contract/.",
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
  return 0;
});
