// @ts-check
/**
 * Builds dist/ (run by `prepare`: on `npm install`/`npm ci` in the repository,
 * so a workspace that bundles the package finds it built, and on `npm pack`):
 * one bundle per entry point and module system (index.mjs for `import`,
 * index.cjs for `require`; idempotency and newest-wins likewise, the subpath
 * exports), each with the contract from lib/contract/ inlined and its
 * dependencies left as imports (valibot; the subpaths' Powertools and AWS SDK,
 * optional peer dependencies), and declaration files for each (.d.mts,
 * .d.cts), emitted by the TypeScript compiler from src/. The public types are
 * spelled out in src/ (most of them generated), so no declaration file
 * reaches outside the package.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const ENTRY_POINTS = ['index', 'idempotency', 'newest-wins'];
const entries = ENTRY_POINTS.map((name) => path.join(here, 'src', `${name}.ts`));
// Left as imports: the package's dependency and the subpaths' peer dependencies.
const EXTERNAL = ['valibot', '@aws-lambda-powertools/*', '@aws-sdk/*'];
const { version } = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const banner = `/* @droam-webhook-relay/events ${version}: generated from the relay's contract; do not edit. */`;
for (const [format, extension] of /** @type {const} */ ([
  ['esm', '.mjs'],
  ['cjs', '.cjs'],
])) {
  await build({
    entryPoints: entries,
    outdir: dist,
    outExtension: { '.js': extension },
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: banner },
    logLevel: 'warning',
  });
}

const out = mkdtempSync(path.join(os.tmpdir(), 'droam-events-types-'));
try {
  const program = ts.createProgram(entries, {
    declaration: true,
    emitDeclarationOnly: true,
    outDir: out,
    rootDir: path.resolve(here, '..', '..'),
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
  });
  const emitted = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (problems.length > 0) {
    throw new Error(ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => here, getNewLine: () => '\n' }));
  }
  const declarations = path.join(out, 'packages', 'events', 'src');
  for (const name of readdirSync(declarations).filter((n) => n.endsWith('.d.ts'))) {
    const text = readFileSync(path.join(declarations, name), 'utf8');
    const outside = /from '(\.\.\/[^']*)'|import\("(\.\.\/[^"]*)"\)/.exec(text);
    if (outside !== null) throw new Error(`${name} refers to ${outside[1] ?? outside[2]}, outside the package: spell the type out in src/`);
    const base = name.slice(0, -'.d.ts'.length);
    for (const extension of ['mjs', 'cjs']) {
      const rewritten = text.replace(/from '\.\/([\w.-]+)'/g, `from './$1.${extension}'`);
      writeFileSync(path.join(dist, `${base}.d.${extension.replace('js', 'ts')}`), `${banner}\n${rewritten}`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(`Built ${path.relative(process.cwd(), dist)}: ${readdirSync(dist).sort().join(', ')}`);
