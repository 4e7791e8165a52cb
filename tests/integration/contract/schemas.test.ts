/**
 * The contract against the real thing: every sample in events/ through
 * functions/webhook (configured as the `local` stage) to a topic of the
 * emulator; what a raw-delivery queue receives is valid, by ajv, against the
 * JSON Schema its `dataschema` names, and carries the attributes asyncapi.yaml
 * lists for its type.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { Emulator, type Received } from '../../support/integration/aws';
import { loadEvent, sampleFiles } from '../../support/integration/events';
import { loadRelay, localStageEnv } from '../../support/integration/relay';
import { SCHEMAS_DIR, schemaErrors, schemaValidator } from '../../support/contract';

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

interface AsyncApi {
  components: { messages: Record<string, { headers: { properties: Record<string, { 'x-sns-data-type': string }> } }> };
}

let received: { file: string; message: Received }[];
beforeAll(async () => {
  const { topicArn, queue } = await emulator.topicWithQueue('contract-samples');
  const relay = await loadRelay(localStageEnv(topicArn));
  received = [];
  for (const file of sampleFiles()) {
    const response = await relay.invoke(loadEvent(file));
    if (response.statusCode !== 200 || response.json.id === undefined) continue;
    const [message, ...more] = await emulator.receiveAll(queue, { expect: 1, waitSeconds: 2 });
    expect(more).toEqual([]);
    if (message !== undefined) received.push({ file, message });
  }
}, 60_000);

it('every published sample is valid against its JSON Schema', () => {
  const ajv = schemaValidator();
  expect(received.length).toBeGreaterThanOrEqual(18);
  for (const { file, message } of received) {
    const event = JSON.parse(message.body) as { type: string; dataschema: string };
    expect({ file, dataschema: event.dataschema }).toEqual({ file, dataschema: `urn:droam-webhook-relay:schema:event:${event.type}` });
    expect({ file, errors: schemaErrors(ajv, event) }).toEqual({ file, errors: [] });
  }
});

it('every published sample carries only attributes asyncapi.yaml lists for its type, with the SNS type it gives', () => {
  const doc = YAML.parse(readFileSync(path.join(SCHEMAS_DIR, 'asyncapi.yaml'), 'utf8')) as AsyncApi;
  for (const { file, message } of received) {
    const { type } = JSON.parse(message.body) as { type: string };
    const listed = doc.components.messages[type]?.headers.properties ?? {};
    const carried = Object.fromEntries(Object.entries(message.attributes).map(([name, a]) => [name, a.DataType]));
    const expected = Object.fromEntries(Object.keys(carried).map((name) => [name, listed[name]?.['x-sns-data-type']]));
    expect({ file, attributes: carried }).toEqual({ file, attributes: expected });
  }
});
