// @ts-check
/**
 * Where the time goes, from V8 CPU profiles of the real bundle (built again with an external source
 * map; the code is byte-identical to the measured bundle). Each sample is charged to the deepest
 * stack frame that belongs to the bundle, mapped back through the source map to the package or our
 * own file it came from — so a `require('https')` or a JSON.stringify inside the SDK counts for the
 * SDK package that made it. Cold profiles are split into module load (under the bundle's top-level
 * function, or Node's CommonJS loader reading and compiling the bundle) and first invocation.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number, columnNumber: number }, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }} Profile
 */

/** @param {string} source a path from the source map */
function bucketOf(source) {
  const normalized = source.replace(/\\/g, '/');
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(normalized);
  if (match?.[1]) return match[1];
  const own = /(?:^|\/)((?:lib|functions|bench)\/.*)$/.exec(normalized);
  return own?.[1] ?? normalized;
}

/**
 * @param {string} bundleFile the bundle, with `${bundleFile}.map` next to it
 */
export function attributor(bundleFile) {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')));
  const bundleUrl = pathToFileURL(bundleFile).href;
  /** @type {Map<string, string>} */
  const cache = new Map();
  /**
   * @param {ProfileNode['callFrame']} frame the deepest bundle frame of a sample
   * @param {{ leaf: boolean, requiresBelow: boolean }} below what the sample was doing under it
   */
  const locate = (frame, below) => {
    const key = `${frame.lineNumber}:${frame.columnNumber}`;
    let bucket = cache.get(key);
    if (bucket === undefined) {
      const entry = /** @type {{ originalSource?: string }} */ (map.findEntry(frame.lineNumber, frame.columnNumber));
      bucket = entry.originalSource ? bucketOf(entry.originalSource) : '';
      cache.set(key, bucket);
    }
    if (bucket !== '') return bucket;
    // No source: the bundle's top level, or esbuild's runtime helpers (__esm and friends). The first
    // call of a lazily initialised module compiles its body, and V8 charges that to the caller: the helper.
    if (frame.lineNumber === 0 && frame.columnNumber === 0) {
      if (below.leaf) return '(bundle top level: hoisted module bodies)';
      return below.requiresBelow ? '(Node built-ins required at top level)' : '(bundle top level, in Node)';
    }
    return '(esbuild module-init helpers: V8 compiling module bodies)';
  };

  /**
   * @param {Profile} profile
   * @param {{ split?: boolean }} [options] split: tell module load from invocation (cold profiles)
   */
  return function attribute(profile, options = {}) {
    /** @type {Map<number, ProfileNode>} */
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    /** @type {Map<number, number>} */
    const parent = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    /** @type {Map<number, { phase: string, bucket: string } | null>} */
    const memo = new Map();
    /** @param {number} id */
    const classify = (id) => {
      if (memo.has(id)) return memo.get(id) ?? null;
      /** @type {string | undefined} */
      let bucket;
      let underTopLevel = false;
      let underLoader = false;
      let underHarness = false;
      let underHttp = false;
      let underStub = false;
      const leaf = byId.get(id)?.callFrame.functionName ?? '';
      let depth = 0;
      let requiresBelow = false;
      for (let current = /** @type {number | undefined} */ (id); current !== undefined; current = parent.get(current), depth++) {
        const frame = byId.get(current)?.callFrame;
        if (!frame) break;
        if (frame.url === bundleUrl) {
          bucket ??= locate(frame, { leaf: depth === 0, requiresBelow });
          if (frame.lineNumber === 0 && frame.columnNumber === 0) underTopLevel = true;
        } else if (frame.url === 'node:internal/modules/cjs/loader') {
          underLoader = true;
          if (bucket === undefined) requiresBelow = true;
        } else if (frame.url.includes('/bench/lib/aws-stub.mjs')) underStub = true;
        else if (frame.url.includes('/bench/')) underHarness = true;
        else if (frame.url.startsWith('node:_http') || frame.url.startsWith('node:internal/http')) underHttp = true;
      }
      /** @type {{ phase: string, bucket: string } | null} */
      let result;
      if (leaf === '(idle)' || leaf === '(root)') result = null;
      else if (bucket !== undefined) result = { phase: underTopLevel ? 'load' : 'invoke', bucket };
      else if (leaf === '(garbage collector)') result = { phase: 'other', bucket: '(garbage collector)' };
      else if (underLoader && underHarness) result = { phase: 'load', bucket: '(Node loader: read + compile the bundle)' };
      else if (underStub) result = { phase: 'other', bucket: '(stub socket)' };
      else if (underHttp) result = { phase: 'invoke', bucket: '(Node HTTP client, called back)' };
      else if (underHarness) result = { phase: 'other', bucket: '(harness)' };
      else result = { phase: 'other', bucket: leaf === '(program)' ? '(V8/Node, no JS frame)' : '(outside the bundle)' };
      memo.set(id, result);
      return result;
    };
    /** @type {Record<string, Map<string, number>>} */
    const phases = { load: new Map(), invoke: new Map(), other: new Map() };
    profile.samples.forEach((id, index) => {
      const where = classify(id);
      if (!where) return;
      const micros = profile.timeDeltas[index] ?? 0;
      const phase = options.split ? where.phase : where.phase === 'other' ? 'other' : 'invoke';
      const table = /** @type {Map<string, number>} */ (phases[phase]);
      table.set(where.bucket, (table.get(where.bucket) ?? 0) + micros);
    });
    return phases;
  };
}

/**
 * Sums several attributions and turns them into sorted rows with shares.
 * @param {Map<string, number>[]} tables @param {number} divideBy e.g. the number of profiles or invocations
 */
export function merge(tables, divideBy) {
  /** @type {Map<string, number>} */
  const total = new Map();
  for (const table of tables) for (const [bucket, micros] of table) total.set(bucket, (total.get(bucket) ?? 0) + micros);
  const sum = [...total.values()].reduce((a, b) => a + b, 0);
  return [...total].map(([bucket, micros]) => ({ bucket, ms: micros / 1000 / divideBy, share: sum === 0 ? 0 : micros / sum })).sort((a, b) => b.ms - a.ms);
}

/** The .cpuprofile files Node wrote into a directory. @param {string} dir @param {string[]} names */
export function readProfiles(dir, names) {
  return names.filter((name) => name.endsWith('.cpuprofile')).map((name) => /** @type {Profile} */ (JSON.parse(readFileSync(path.join(dir, name), 'utf8'))));
}
