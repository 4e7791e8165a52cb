/**
 * The real handler (createWebhookHandler, snsPublisher) with an SNS client
 * configured exactly as functions/webhook.ts configures its own, pointed at
 * a given endpoint, and a LogSink that keeps every line.
 *
 * functions/webhook.ts exports neither its SNSClient options nor its publish
 * deadline, so they are read from it: it is loaded once, in an isolated module
 * registry, with SNSClient and snsPublisher wrapped to record what they are given.
 */
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadConfig } from '../../../lib/config';
import { createWebhookHandler, type LogSink } from '../../../lib/handler';
import type { HttpResponse } from '../../../lib/http/response';
import { payloadTypes } from '../../../lib/payload-types';
import { snsPublisher } from '../../../lib/sns/publisher';
import { CREDENTIALS, REGION } from '../integration/aws';
import { TEST_SECRET } from '../integration/relay';

type SnsModule = typeof import('@aws-sdk/client-sns');
type PublisherModule = typeof import('../../../lib/sns/publisher');

export interface WebhookSnsSettings {
  /** What functions/webhook.ts passes to `new SNSClient(...)`. */
  readonly clientConfig: SNSClientConfig;
  /** The deadline it gives snsPublisher, in milliseconds. */
  readonly deadlineMs: number;
}

let settings: Promise<WebhookSnsSettings> | undefined;

/** Reads functions/webhook.ts's SNS client options and publish deadline (once per test file). */
export function webhookSnsSettings(): Promise<WebhookSnsSettings> {
  settings ??= readWebhookSnsSettings();
  return settings;
}

async function readWebhookSnsSettings(): Promise<WebhookSnsSettings> {
  const configs: SNSClientConfig[] = [];
  const deadlines: number[] = [];
  const env: Record<string, string> = {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:settings-probe',
    DROAM_API_SECRETS: TEST_SECRET,
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/client-sns', () => {
        const actual = jest.requireActual<SnsModule>('@aws-sdk/client-sns');
        class RecordingSNSClient extends actual.SNSClient {
          constructor(...args: ConstructorParameters<typeof actual.SNSClient>) {
            configs.push(args[0] ?? {});
            super(...args);
          }
        }
        return { ...actual, SNSClient: RecordingSNSClient };
      });
      jest.doMock('../../../lib/sns/publisher', () => {
        const actual = jest.requireActual<PublisherModule>('../../../lib/sns/publisher');
        const recording: PublisherModule['snsPublisher'] = (client, topicArn, deadlineMs) => {
          deadlines.push(deadlineMs);
          return actual.snsPublisher(client, topicArn, deadlineMs);
        };
        return { ...actual, snsPublisher: recording };
      });
      await import('../../../functions/webhook');
    });
  } finally {
    jest.dontMock('@aws-sdk/client-sns');
    jest.dontMock('../../../lib/sns/publisher');
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
  const [clientConfig, ...moreClients] = configs;
  const [deadlineMs, ...moreDeadlines] = deadlines;
  if (clientConfig === undefined || deadlineMs === undefined || moreClients.length > 0 || moreDeadlines.length > 0) {
    throw new Error(`functions/webhook.ts was expected to build one SNSClient and one snsPublisher; saw ${configs.length} and ${deadlines.length}`);
  }
  return { clientConfig, deadlineMs };
}

export interface SinkLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A LogSink that keeps every line. */
export class CapturingSink implements LogSink {
  lines: SinkLine[] = [];
  info(message: string, attributes: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, attributes });
  }
  /** The lines written for one request (the handler logs the event's requestContext.requestId). */
  forRequest(requestId: string): SinkLine[] {
    return this.lines.filter((line) => line.attributes.request_id === requestId);
  }
}

export interface FaultRelayResponse extends HttpResponse {
  readonly json: Record<string, unknown>;
  readonly elapsedMs: number;
}

export interface FaultRelay {
  invoke(event: unknown): Promise<FaultRelayResponse>;
  readonly sink: CapturingSink;
  readonly settings: WebhookSnsSettings;
  destroy(): void;
}

/** The relay of a deployed stage (auth required, TEST_SECRET) publishing to `topicArn` through `endpoint`. */
export async function faultRelay(options: { endpoint: string; topicArn: string }): Promise<FaultRelay> {
  const webhook = await webhookSnsSettings();
  const client = new SNSClient({ ...webhook.clientConfig, endpoint: options.endpoint, region: REGION, credentials: CREDENTIALS });
  const sink = new CapturingSink();
  const handler = createWebhookHandler({
    config: loadConfig({ TOPIC_ARN: options.topicArn, DROAM_API_SECRETS: TEST_SECRET }),
    registry: payloadTypes,
    publish: snsPublisher(client, options.topicArn, webhook.deadlineMs),
    now: Date.now,
    logger: sink,
  });
  return {
    sink,
    settings: webhook,
    invoke: async (event) => {
      const started = performance.now();
      const response = await handler(event);
      return { ...response, json: parseObject(response.body), elapsedMs: performance.now() - started };
    },
    destroy: () => {
      client.destroy();
    },
  };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
