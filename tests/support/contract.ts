/** Shared by the contract tests: the JSON Schemas in schemas/ loaded into ajv, and every sample published through the real handler. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { type CloudEvent, payloadTypes } from '../../lib/contract';
import { loadConfig } from '../../lib/relay/config';
import { LOCAL_STAGE } from '../../tools/local-stage';
import { createWebhookHandler } from '../../lib/relay/webhook';
import type { SnsMessage } from '../../lib/topic/message';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SCHEMAS_DIR = path.join(ROOT, 'schemas');
export const EVENTS_DIR = path.join(ROOT, 'events');
export const ENVELOPE = 'urn:droam-webhook-relay:schema:envelope';

/** ajv in draft 2020-12 mode with formats, every schema in schemas/ added (looked up by `$id`). */
export function schemaValidator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  for (const file of readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8')) as object);
  }
  return ajv;
}

/** Validates an event against the schema its `dataschema` names; returns ajv's errors (empty when valid). */
export function schemaErrors(ajv: Ajv2020, event: unknown, id = (event as { dataschema?: string }).dataschema ?? ENVELOPE): unknown[] {
  const validate = ajv.getSchema(id);
  if (validate === undefined) throw new Error(`no schema with $id ${id} in schemas/`);
  return validate(event) ? [] : [...(validate.errors ?? [])];
}

export interface Published {
  readonly file: string;
  readonly message: SnsMessage;
  readonly event: CloudEvent;
}

/**
 * Every sample in events/ through the real handler, configured as the `local`
 * stage at the time the samples are signed, with a fake SNS: what each published.
 */
export async function publishSamples(): Promise<Published[]> {
  const messages: SnsMessage[] = [];
  const handle = createWebhookHandler({
    config: loadConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:contract-tests', DROAM_API_SECRETS: LOCAL_STAGE.apiSecret, IS_LOCAL: 'true' }),
    registry: payloadTypes,
    publish: (message) => {
      messages.push(message);
      return Promise.resolve({ ok: true, messageId: `m-${messages.length}` });
    },
    now: () => 1_704_067_200_000,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const published: Published[] = [];
  for (const file of readdirSync(EVENTS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    messages.length = 0;
    await handle(JSON.parse(readFileSync(path.join(EVENTS_DIR, file), 'utf8')));
    for (const message of messages) published.push({ file, message, event: JSON.parse(message.Message) as CloudEvent });
  }
  return published;
}

type Json = Record<string, unknown>;

/** A deep copy of `value` with the field at `dotted` (e.g. "data.pool.uuid") set to `replacement`, or removed when it is `undefined`. */
export function changed<T>(value: T, dotted: string, replacement: unknown): T {
  const copy = JSON.parse(JSON.stringify(value)) as Json;
  const keys = dotted.split('.');
  const last = keys.pop() ?? '';
  let parent = copy;
  for (const key of keys) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) throw new Error(`${dotted}: nothing at ${key}`);
    parent = next as Json;
  }
  if (replacement === undefined) Reflect.deleteProperty(parent, last);
  else parent[last] = replacement;
  return copy as T;
}
