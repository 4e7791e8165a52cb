/**
 * Module-load probe: our own code without the SDK and without Powertools Logger — configuration,
 * pipeline, auth, schemas, CloudEvent and message building — wired as functions/webhook.ts wires it.
 */
import { loadConfig } from '../../lib/relay/config';
import { createWebhookHandler } from '../../lib/relay/handler';
import { payloadTypes } from '../../lib/contract';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const handler = createWebhookHandler({
  config: loadConfig(process.env),
  registry: payloadTypes,
  publish: async () => Promise.resolve({ ok: true, messageId: 'probe' }),
  now: Date.now,
  logger: silent,
});
