/**
 * The contract files are generated (npm run schemas) and committed: they must
 * be exactly what generation gives now, so a changed declaration or schema
 * without regenerated files fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ContractFile, generateContract, staleContractFiles } from '../../../tools/codegen/generate';
import { CONTRACT_DOC, README_BEGIN, README_END } from '../../../tools/codegen/readme';
import { EVENT_TYPES_FILE } from '../../../tools/codegen/typescript-types';
import { payloadTypes } from '../../../lib/contract';
import { ROOT, SCHEMAS_DIR } from '../../support/contract';

let files: ContractFile[];
beforeAll(async () => {
  files = await generateContract(ROOT);
});

it("schemas/, the table of types in the contract document and the events package's types are up to date (run `npm run schemas` after changing a declaration or a schema)", async () => {
  for (const file of files) {
    const target = path.join(ROOT, file.path);
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : '(missing)';
    // The path is part of the compared value, so a failure names the stale file and shows the diff.
    expect({ path: file.path, content: committed }).toEqual({ path: file.path, content: file.content });
  }
  expect(await staleContractFiles(ROOT)).toEqual([]);
});

it('schemas/ holds one schema per declared type, the envelope schema and asyncapi.yaml, nothing else', () => {
  const expected = [...payloadTypes.types.map((type) => `${type}.json`), 'envelope.json', 'asyncapi.yaml'].sort();
  expect(readdirSync(SCHEMAS_DIR).sort()).toEqual(expected);
  expect(files.map((file) => file.path).sort()).toEqual([...expected.map((name) => `schemas/${name}`), CONTRACT_DOC, EVENT_TYPES_FILE].sort());
});

it('is deterministic: generating again gives the same bytes', async () => {
  expect(await generateContract(ROOT)).toEqual(files);
});

it('changes the contract document only between its markers, where every declared type has a row', () => {
  const readme = files.find((file) => file.path === CONTRACT_DOC)?.content ?? '';
  const committed = readFileSync(path.join(ROOT, CONTRACT_DOC), 'utf8');
  const outside = (text: string): string => text.slice(0, text.indexOf(README_BEGIN)) + text.slice(text.indexOf(README_END));
  expect(outside(readme)).toBe(outside(committed));
  const block = readme.slice(readme.indexOf(README_BEGIN), readme.indexOf(README_END));
  for (const type of payloadTypes.types) expect(block).toContain(`| \`${type}\` |`);
});

it('every JSON Schema names itself by the URN the CloudEvent dataschema carries, and is draft 2020-12', () => {
  for (const file of files.filter((f) => f.path.endsWith('.json'))) {
    const schema = JSON.parse(file.content) as { $schema: string; $id: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const type = path.basename(file.path, '.json');
    expect(schema.$id).toBe(type === 'envelope' ? 'urn:droam-webhook-relay:schema:envelope' : `urn:droam-webhook-relay:schema:event:${type}`);
  }
});

it("versions the contract with the events package: its version is the AsyncAPI document's and the generated CONTRACT_VERSION", () => {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'packages/events/package.json'), 'utf8')) as { version: string };
  expect(files.find((file) => file.path === 'schemas/asyncapi.yaml')?.content).toContain(`version: ${version}\n`);
  expect(files.find((file) => file.path === EVENT_TYPES_FILE)?.content).toContain(`export const CONTRACT_VERSION = '${version}';`);
});
