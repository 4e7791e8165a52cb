/**
 * SNS and SQS against the emulator jest's globalSetup started (FAUXQS_ENDPOINT).
 * Every topic and queue gets a unique name, so test files can share the emulator
 * and run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function emulatorEndpoint(): string {
  const endpoint = process.env.FAUXQS_ENDPOINT;
  if (endpoint === undefined || endpoint === '') throw new Error('FAUXQS_ENDPOINT is not set: run through jest (tests/emulator-setup.mjs starts the emulator)');
  return endpoint;
}

/** A name no other test uses: `<prefix>-<random>`, `.fifo` appended for FIFO resources. */
export function uniqueName(prefix: string, fifo = false): string {
  return `${prefix}-${randomBytes(6).toString('hex')}${fifo ? '.fifo' : ''}`;
}

export class Emulator {
  readonly sns: SNSClient;
  // fauxqs queue URLs name an unresolvable host; the client must keep talking to the endpoint.
  readonly sqs: SQSClient;

  /** The test run's emulator, or another one (`npm start`'s). */
  constructor(readonly endpoint: string = emulatorEndpoint()) {
    this.sns = new SNSClient({ endpoint, region: REGION, credentials: CREDENTIALS });
    this.sqs = new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS, useQueueUrlAsEndpoint: false });
  }

  async createTopic(prefix: string, options: { fifo?: boolean } = {}): Promise<string> {
    const fifo = options.fifo ?? false;
    const { TopicArn } = await this.sns.send(
      new CreateTopicCommand({ Name: uniqueName(prefix, fifo), ...(fifo ? { Attributes: { FifoTopic: 'true' } } : {}) }),
    );
    if (TopicArn === undefined) throw new Error('CreateTopic returned no TopicArn');
    return TopicArn;
  }

  async createQueue(prefix: string, options: { fifo?: boolean } = {}): Promise<Queue> {
    const fifo = options.fifo ?? false;
    const { QueueUrl } = await this.sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName(prefix, fifo), ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }),
    );
    if (QueueUrl === undefined) throw new Error('CreateQueue returned no QueueUrl');
    const { Attributes } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.QueueArn;
    if (arn === undefined) throw new Error('GetQueueAttributes returned no QueueArn');
    return { url: QueueUrl, arn };
  }

  /** Subscribes a queue to a topic; a filter policy applies to message attributes. */
  async subscribe(topicArn: string, queue: Queue, options: { raw: boolean; filterPolicy?: Record<string, unknown> }): Promise<void> {
    const attributes: Record<string, string> = { RawMessageDelivery: String(options.raw) };
    if (options.filterPolicy !== undefined) {
      attributes.FilterPolicy = JSON.stringify(options.filterPolicy);
      attributes.FilterPolicyScope = 'MessageAttributes';
    }
    await this.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: attributes, ReturnSubscriptionArn: true }),
    );
  }

  /** A topic with one raw-delivery queue subscribed to it, unfiltered. */
  async topicWithQueue(prefix: string, options: { fifo?: boolean } = {}): Promise<{ topicArn: string; queue: Queue }> {
    const topicArn = await this.createTopic(prefix, options);
    const queue = await this.createQueue(prefix, options);
    await this.subscribe(topicArn, queue, { raw: true });
    return { topicArn, queue };
  }

  /**
   * Receives (and deletes) what the queue holds: waits up to `waitSeconds` for
   * the first `expect` messages, then takes whatever else is there without
   * waiting, so a surplus message is seen too.
   */
  async receiveAll(queue: Queue, options: { expect?: number; waitSeconds?: number } = {}): Promise<Received[]> {
    const expect = options.expect ?? 0;
    const deadline = Date.now() + (options.waitSeconds ?? 5) * 1000;
    const received: Received[] = [];
    for (;;) {
      const waiting = received.length < expect && Date.now() < deadline;
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          WaitTimeSeconds: waiting ? 1 : 0,
        }),
      );
      if (Messages.length > 0) {
        await this.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
        );
        received.push(...Messages.map(toReceived));
      } else if (!waiting) {
        return received;
      }
    }
  }

  destroy(): void {
    this.sns.destroy();
    this.sqs.destroy();
  }
}

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

export interface Received {
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  /** SQS system attributes: MessageGroupId, MessageDeduplicationId, ... */
  readonly system: Readonly<Record<string, string>>;
}

function toReceived(message: Message): Received {
  return { body: message.Body ?? '', attributes: message.MessageAttributes ?? {}, system: message.Attributes ?? {} };
}

/** Message attributes as `{name: {DataType, StringValue}}`, for comparing with toEqual. */
export function plainAttributes(attributes: Readonly<Record<string, { DataType?: string | undefined; StringValue?: string | undefined }>>) {
  return Object.fromEntries(Object.entries(attributes).map(([name, a]) => [name, { DataType: a.DataType, StringValue: a.StringValue }]));
}
