// @ts-check
/**
 * Builds every contender the way `serverless package` builds the real function: the esbuild
 * options are read from serverless.yml's custom.esbuild and combined exactly as serverless-esbuild
 * combines them (its defaults, its plugin-only keys removed, `exclude` turned into `external`).
 * The only additions are `metafile` (for the size breakdown; it does not change the output) and the
 * output directory. Each bundle is then zipped the way serverless-esbuild zips it (see zip.mjs).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import YAML from 'yaml';
import { zipSync } from './zip.mjs';

/** serverless-esbuild's own defaults (dist/index.js, DEFAULT_BUILD_OPTIONS), for keys serverless.yml leaves out. */
const SERVERLESS_ESBUILD_DEFAULTS = { bundle: true, target: 'node18', external: [], exclude: ['aws-sdk'], platform: 'node', outputFileExtension: '.js' };
/** Keys serverless-esbuild removes before calling esbuild (dist/bundle.js). */
const PLUGIN_ONLY_KEYS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
];

/** @param {string} root */
export function readServerless(root) {
  const doc = YAML.parseDocument(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  return /** @type {any} */ (doc.toJS());
}

/** The esbuild options serverless-esbuild derives from serverless.yml. @param {string} root */
export function serverlessEsbuildOptions(root) {
  const custom = readServerless(root).custom?.esbuild ?? {};
  if (custom.config) throw new Error('custom.esbuild.config (a JS config file) is not supported by the bench; inline the options');
  const merged = { ...SERVERLESS_ESBUILD_DEFAULTS, ...custom };
  const exclude = Array.isArray(merged.exclude) ? merged.exclude : [];
  /** @type {Record<string, unknown>} */
  const options = {};
  for (const [key, value] of Object.entries(merged)) if (!PLUGIN_ONLY_KEYS.includes(key)) options[key] = value;
  options.external = [...(Array.isArray(merged.external) ? merged.external : []), ...(exclude.includes('*') ? [] : exclude)];
  if (merged.outputFileExtension !== '.js') options.outExtension = { '.js': merged.outputFileExtension };
  return /** @type {import('esbuild').BuildOptions} */ (options);
}

/**
 * Redirects imports to other files (peer (b): valibot modules → zod ports). Keys are a source path
 * ('lib/schemas/common.ts': every import resolving to it), a bare specifier scoped to one importer
 * ('valibot@lib/payload-types.ts') or a bare specifier anywhere ('@aws-lambda-powertools/metrics').
 * @param {string} root @param {Record<string, string>} map key → replacement path (relative to root)
 * @returns {import('esbuild').Plugin}
 */
function substitute(root, map) {
  return {
    name: 'bench-substitute',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const scoped = map[`${args.path}@${path.relative(root, args.importer)}`] ?? (args.path.startsWith('.') ? undefined : map[args.path]);
        if (scoped !== undefined) return { path: path.join(root, scoped) };
        if (!args.path.startsWith('.')) return undefined;
        const target = path.relative(root, path.resolve(args.resolveDir, args.path));
        const replacement = map[target] ?? map[`${target}.ts`];
        return replacement === undefined ? undefined : { path: path.join(root, replacement) };
      });
    },
  };
}

/**
 * @typedef {{ key: string, label: string, short: string, entry: string, substitute?: Record<string, string>, mustNotContain?: string[], overrides?: import('esbuild').BuildOptions }} Contender
 * @typedef {{ contender: Contender, file: string, zipEntry: string, bundleBytes: number, zipBytes: number, metafile: import('esbuild').Metafile }} Built
 */

/**
 * @param {string} root
 * @param {string} outRoot bench/.build
 * @param {Contender} contender
 * @param {import('esbuild').BuildOptions} [overrides] only for analysis builds (e.g. an external source map)
 * @returns {Promise<Built>}
 */
export async function buildContender(root, outRoot, contender, overrides = {}) {
  const base = { ...serverlessEsbuildOptions(root), ...contender.overrides, ...overrides };
  const outdir = path.join(outRoot, contender.key, path.dirname(contender.entry));
  rmSync(path.join(outRoot, contender.key), { recursive: true, force: true });
  const result = await esbuild.build({
    ...base,
    absWorkingDir: root,
    entryPoints: [path.join(root, contender.entry)],
    outdir,
    metafile: true,
    logLevel: 'silent',
    plugins: contender.substitute ? [substitute(root, contender.substitute)] : [],
  });
  const extension = /** @type {Record<string, string> | undefined} */ (base.outExtension)?.['.js'] ?? '.js';
  const name = path.basename(contender.entry).replace(/\.[cm]?[jt]s$/, '') + extension;
  const file = path.join(outdir, name);
  const bundle = readFileSync(file);
  const inputs = Object.keys(result.metafile.inputs);
  for (const forbidden of contender.mustNotContain ?? []) {
    const found = inputs.find((input) => input.includes(forbidden));
    if (found) throw new Error(`${contender.key}: the bundle should not contain ${forbidden}, but has ${found}`);
  }
  // serverless-esbuild zips the bundle under the handler's path (functions/webhook.js), with mode and a fixed date.
  const zipEntry = path.join(path.dirname(contender.entry), name).split(path.sep).join('/');
  const zip = zipSync([{ name: zipEntry, data: bundle, mode: 0o100644 }]);
  writeFileSync(path.join(outRoot, `${contender.key}.zip`), zip);
  writeFileSync(path.join(outRoot, `${contender.key}.meta.json`), JSON.stringify(result.metafile));
  return { contender, file, zipEntry, bundleBytes: bundle.length, zipBytes: zip.length, metafile: result.metafile };
}

/**
 * A plain CommonJS build for the harness's own helpers (not measured).
 * @param {string} root @param {string} entry @param {string} outfile
 */
export async function buildHelper(root, entry, outfile) {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
  });
}

/**
 * Bytes in the bundle by package (node_modules/<pkg>) or by our own folder, biggest first.
 * @param {import('esbuild').Metafile} metafile
 */
export function sizeBreakdown(metafile) {
  const output = Object.values(metafile.outputs)[0];
  if (!output) return { packages: [], files: [] };
  /** @type {Map<string, number>} */
  const packages = new Map();
  /** @type {{ file: string, bytes: number }[]} */
  const files = [];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = match?.[1] ?? (input.split('/').slice(0, -1).join('/') || input);
    packages.set(key, (packages.get(key) ?? 0) + bytesInOutput);
    files.push({ file: input.replace(/^.*node_modules\//, ''), bytes: bytesInOutput });
  }
  return {
    packages: [...packages].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    files: files.sort((a, b) => b.bytes - a.bytes),
  };
}
