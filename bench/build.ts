/**
 * Builds every contender as `sls package` builds the function: serverless.yml's custom.esbuild
 * combined as serverless-esbuild combines it (its defaults, its plugin-only keys removed, `exclude`
 * turned into `external`), so every contender leaves to the Lambda runtime exactly the modules ours
 * leaves to it. The bundle is zipped as serverless-esbuild zips it (deflate level 1, data
 * descriptors, the date of 1980-01-01).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import YAML from 'yaml';

export interface Built {
  readonly file: string;
  /** Where serverless-esbuild puts the bundle in the zip: the entry's path, `.js`. */
  readonly zipEntry: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
  /** Packages the bundle requires at run time instead of carrying them. */
  readonly external: readonly string[];
}

/** serverless-esbuild's defaults for keys serverless.yml leaves out, and the keys it keeps for itself. */
const PLUGIN_DEFAULTS = { bundle: true, target: 'node18', external: [], exclude: ['aws-sdk'], platform: 'node' };
const PLUGIN_ONLY_KEYS = new Set(['concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch', 'keepOutputDirectory']);
for (const key of ['packagerOptions', 'installExtraArgs', 'outputFileExtension', 'outputBuildFolder', 'outputWorkFolder', 'nodeExternals'])
  PLUGIN_ONLY_KEYS.add(key);
for (const key of ['skipBuild', 'skipRebuild', 'skipBuildExcludeFns', 'stripEntryResolveExtensions', 'disposeContext', 'config']) PLUGIN_ONLY_KEYS.add(key);

export function readServerless(root: string): Record<string, unknown> & { custom?: { esbuild?: Record<string, unknown> } } {
  return YAML.parseDocument(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }).toJS() as ReturnType<typeof readServerless>;
}

/** The esbuild options serverless-esbuild derives from serverless.yml. */
export function serverlessEsbuildOptions(root: string): esbuild.BuildOptions {
  const merged: Record<string, unknown> = { ...PLUGIN_DEFAULTS, ...readServerless(root).custom?.esbuild };
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  const exclude = list(merged.exclude);
  const options = Object.fromEntries(Object.entries(merged).filter(([key]) => !PLUGIN_ONLY_KEYS.has(key)));
  return { ...options, external: [...list(merged.external), ...(exclude.includes('*') ? [] : exclude)] };
}

export async function buildContender(root: string, outDir: string, key: string, entry: string): Promise<Built> {
  const outfile = path.join(outDir, key, entry.replace(/\.ts$/, '.js'));
  const result = await esbuild.build({
    ...serverlessEsbuildOptions(root),
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const bundle = readFileSync(outfile);
  const zipEntry = entry.replace(/\.ts$/, '.js');
  const zip = zipOne(zipEntry, bundle);
  writeFileSync(path.join(outDir, `${key}.zip`), zip);
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  const external = [...new Set(imports.filter((i) => i.external && !i.path.startsWith('node:') && !/^[a-z_]+$/.test(i.path)).map((i) => i.path))].sort();
  return { file: outfile, zipEntry, bundleBytes: bundle.length, zipBytes: zip.length, external };
}

/** The harness's own child processes, as plain CommonJS (not measured). */
export async function buildHelper(root: string, entry: string, outfile: string): Promise<string> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
  });
  return outfile;
}

/** A one-file zip as serverless-esbuild writes it (archiver: streaming entries, level 1, mode in the attributes). */
function zipOne(name: string, data: Buffer): Buffer {
  const nameBytes = Buffer.from(name);
  const compressed = deflateRawSync(data, { level: 1 });
  const crc = crc32(data);
  const FLAGS = 0x0808; // data descriptor follows; UTF-8 name
  const DATE_1980_01_01 = (1 << 5) | 1;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(FLAGS, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt16LE(DATE_1980_01_01, 12);
  local.writeUInt16LE(nameBytes.length, 26);
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc, 4);
  descriptor.writeUInt32LE(compressed.length, 8);
  descriptor.writeUInt32LE(data.length, 12);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(FLAGS, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(DATE_1980_01_01, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const entryBytes = local.length + nameBytes.length + compressed.length + descriptor.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(entryBytes, 16);
  return Buffer.concat([local, nameBytes, compressed, descriptor, central, nameBytes, end]);
}
