import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContractFile } from './generate';
import { CONTRACT_DOC, README_BEGIN, README_END } from './readme';

/**
 * The contract each released version announced: the digest of its generated files (schemas/, the
 * AsyncAPI document, the events package's types, the table of types in docs/contract.md), recorded by
 * `npm run schemas` the first time it generates a version. A version is recorded once: generating a
 * different contract under a recorded version is refused, so a change reaches subscribers only under
 * a new version, whose schemas and AsyncAPI document announce it before it is deployed.
 */
export const RELEASED_CONTRACTS_FILE = 'tools/codegen/released-contracts.json';

/** Version → `sha256:<hex>` of its contract files. */
export type ReleasedContracts = Readonly<Record<string, string>>;

/** The digest of the generated contract: every file whole, but the contract document's generated table alone (its prose is not the contract). */
export function contractDigest(files: readonly ContractFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const content = file.path === CONTRACT_DOC ? file.content.slice(file.content.indexOf(README_BEGIN), file.content.indexOf(README_END)) : file.content;
    hash.update(`${file.path}\n${String(Buffer.byteLength(content))}\n`).update(content);
  }
  return `sha256:${hash.digest('hex')}`;
}

export function readReleasedContracts(root: string): ReleasedContracts {
  const file = path.join(root, RELEASED_CONTRACTS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReleasedContracts) : {};
}

export type ReleaseCheck =
  | { readonly kind: 'recorded'; readonly version: string }
  | { readonly kind: 'unchanged'; readonly version: string }
  | { readonly kind: 'changed'; readonly version: string; readonly recorded: string; readonly digest: string };

/**
 * Records the contract of `version` when it is new; says whether a recorded version's contract is
 * still the one generated (`changed`: the version must be bumped).
 */
export function recordRelease(root: string, version: string, digest: string): ReleaseCheck {
  const released = readReleasedContracts(root);
  const recorded = released[version];
  if (recorded === digest) return { kind: 'unchanged', version };
  if (recorded !== undefined) return { kind: 'changed', version, recorded, digest };
  writeFileSync(path.join(root, RELEASED_CONTRACTS_FILE), `${JSON.stringify({ ...released, [version]: digest }, null, 2)}\n`);
  return { kind: 'recorded', version };
}

/** Whether `a` is an older semantic version than `b` (MAJOR.MINOR.PATCH, no pre-release). */
export function olderVersion(a: string, b: string): boolean {
  const parts = (version: string): number[] => version.split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let index = 0; index < 3; index++) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}
