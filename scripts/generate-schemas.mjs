// @ts-check
/**
 * `npm run schemas`: writes the published contract (schemas/*.json,
 * schemas/asyncapi.yaml and the README's table of types) from the declarations
 * in lib/payload-types.ts. `--check` writes nothing and fails when a file is stale.
 *
 * The generator is TypeScript (lib/contract/generate.ts, type-checked and
 * tested with the rest); esbuild bundles it into one temporary CommonJS file,
 * which is loaded and run here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const dir = mkdtempSync(path.join(os.tmpdir(), 'droam-schemas-'));
try {
  const outfile = path.join(dir, 'generate.cjs');
  await build({
    entryPoints: [path.join(root, 'tools', 'codegen', 'generate.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  });
  /** @type {typeof import('../tools/codegen/generate')} */
  const generator = createRequire(import.meta.url)(outfile);
  if (check) {
    const stale = await generator.staleContractFiles(root);
    if (stale.length > 0) {
      console.error(`Stale (run npm run schemas):\n  ${stale.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log('The contract files are up to date.');
    }
  } else {
    const changed = await generator.writeContract(root);
    console.log(changed.length === 0 ? 'The contract files were up to date.' : `Updated:\n  ${changed.join('\n  ')}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
