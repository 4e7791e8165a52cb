import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type CloudEvent, payloadTypes } from '../../lib/contract';
import { loadConfig } from '../../lib/relay/config';
import { LOCAL_STAGE } from '../local-stage';
import type { LogSink } from '../../lib/observability/sinks';
import { createWebhookHandler } from '../../lib/relay/webhook';
import { decodeRequest } from '../../lib/relay/decode';
import type { SnsMessage } from '../../lib/topic/message';

/** What the relay publishes for one sample event of events/. */
export interface PublishedSample {
  /** The sample's file name, without `.json`. */
  readonly name: string;
  readonly event: CloudEvent;
  /** The SNS message attributes: String values as strings, Number values as numbers. */
  readonly attributes: Readonly<Record<string, string | number>>;
}

const silent: LogSink = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The samples are signed with dRoam's documented example secret at its documented timestamp. */
const SIGNED_AT_MS = 1_704_067_200_000;

/**
 * Runs every sample in `eventsDir` through the real handler, configured as
 * the `local` stage (dRoam's documented secret) at the time the samples are
 * signed, with a publisher that only records, and returns what was published, one per
 * distinct event: of samples that publish the same event (the same payload
 * over another transport), the plain HTTP API one is kept.
 */
export async function publishedSamples(eventsDir: string): Promise<PublishedSample[]> {
  const published: SnsMessage[] = [];
  const handle = createWebhookHandler({
    config: loadConfig({
      TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:droam-webhook-relay-local',
      DROAM_API_SECRETS: LOCAL_STAGE.apiSecret,
      IS_LOCAL: 'true',
    }),
    registry: payloadTypes,
    publish: (message) => {
      published.push(message);
      return Promise.resolve({ ok: true, messageId: 'example' });
    },
    now: () => SIGNED_AT_MS,
    logger: silent,
  });

  const samples = readdirSync(eventsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: file.slice(0, -'.json'.length), event: JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8')) as unknown }))
    .sort((a, b) => preference(a.event) - preference(b.event) || a.name.localeCompare(b.name));

  const byId = new Map<string, PublishedSample>();
  for (const sample of samples) {
    published.length = 0;
    const response = await handle(sample.event);
    const [message] = published;
    if (response.statusCode !== 200 || message === undefined) continue;
    const event = JSON.parse(message.Message) as CloudEvent;
    if (byId.has(event.id)) continue;
    const attributes = Object.fromEntries(
      Object.entries(message.MessageAttributes).map(([name, a]) => [name, a.DataType === 'Number' ? Number(a.StringValue) : (a.StringValue ?? '')]),
    );
    byId.set(event.id, { name: sample.name, event, attributes });
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Plain HTTP API events first: base64 bodies, REST API and function URL events are the same payload in other wrapping. */
function preference(event: unknown): number {
  const plain = decodeRequest(event).format === 'http-api-v2' && (event as { isBase64Encoded?: unknown }).isBase64Encoded !== true;
  return plain ? 0 : 1;
}
