/**
 * The real handler (createWebhookHandler, snsPublisher) with an SNS client
 * configured as functions/webhook.ts configures its own (lib/lambda/clients.ts),
 * pointed at a given endpoint, and a LogSink that keeps every line.
 */
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { PUBLISH_DEADLINE_MS, snsClient, snsClientOptions } from '../../../lib/lambda/clients';
import { loadConfig } from '../../../lib/relay/config';
import type { LogSink } from '../../../lib/observability/sinks';
import { createWebhookHandler } from '../../../lib/relay/webhook';
import type { HttpResponse } from '../../../lib/relay/respond';
import { payloadTypes } from '../../../lib/contract';
import { snsPublisher } from '../../../lib/topic/publish';
import { CREDENTIALS, REGION } from '../integration/aws';
import { parseObject, TEST_SECRET } from '../integration/relay';

export interface WebhookSnsSettings {
  /** What functions/webhook.ts passes to `new SNSClient(...)`. */
  readonly clientConfig: SNSClientConfig;
  /** The deadline it gives snsPublisher, in milliseconds. */
  readonly deadlineMs: number;
}

/** The SNS client options and publish deadline of functions/webhook.ts. */
export function webhookSnsSettings(): Promise<WebhookSnsSettings> {
  return Promise.resolve({ clientConfig: snsClientOptions(), deadlineMs: PUBLISH_DEADLINE_MS });
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
  const client = snsClient({ endpoint: options.endpoint, region: REGION, credentials: CREDENTIALS });
  const sink = new CapturingSink();
  const handler = createWebhookHandler({
    config: loadConfig({ STAGE: 'test', TOPIC_ARN: options.topicArn, DROAM_API_SECRETS: TEST_SECRET }),
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
