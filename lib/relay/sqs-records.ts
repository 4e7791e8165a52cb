import { AWS_CLIENT_OPTIONS } from './clients';
import { withDeadline } from './deadline';
import { asciiJson, integrityTag, type TagPurpose } from './integrity';
import type { TraceClient } from '../observability/sinks';

/** The message attribute that carries a record's integrity tag (lib/relay/integrity.ts). */
export const INTEGRITY_TAG_ATTRIBUTE = 'integrity_tag';

export type SendResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Sends one record, tagged under the api secret (untagged without one: authentication off); string
 * attributes must be printable ASCII (others are left off).
 */
export type SendRecord = (
  record: object,
  attributes: Readonly<Record<string, string | number | undefined>>,
  signingSecret: string | undefined,
) => Promise<SendResult>;

export interface RecordQueueOptions {
  readonly deadlineMs: number;
  readonly purpose: TagPurpose;
  /** Traces the queue's SQS calls (X-Ray), when the stage's tracing is on. */
  readonly traceClient?: Promise<TraceClient> | undefined;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,256}$/;

/**
 * Writes records to an SQS queue as ASCII-only JSON, tagged for integrity.
 * The SQS client is loaded on first use, keeping it off the cold start.
 */
export function sqsRecordQueue(queueUrl: string, options: RecordQueueOptions): SendRecord {
  let client: Promise<(body: string, attributes: Record<string, { DataType: string; StringValue: string }>) => Promise<void>> | undefined;
  const connect = async () => {
    const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    // The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS locally), not from the queue URL's host.
    const sqs = new SQSClient({ ...AWS_CLIENT_OPTIONS, useQueueUrlAsEndpoint: false });
    if (options.traceClient !== undefined) (await options.traceClient)(sqs);
    return async (body: string, attributes: Record<string, { DataType: string; StringValue: string }>) => {
      await withDeadline(options.deadlineMs, (abortSignal) =>
        sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributes }), { abortSignal }),
      );
    };
  };
  return async (record, attributes, signingSecret) => {
    try {
      const body = asciiJson(record);
      const messageAttributes: Record<string, { DataType: string; StringValue: string }> = {};
      for (const [name, value] of Object.entries(attributes)) {
        if (typeof value === 'number') messageAttributes[name] = { DataType: 'Number', StringValue: String(value) };
        else if (value !== undefined && PRINTABLE_ASCII.test(value)) messageAttributes[name] = { DataType: 'String', StringValue: value };
      }
      if (signingSecret !== undefined) {
        messageAttributes[INTEGRITY_TAG_ATTRIBUTE] = { DataType: 'String', StringValue: integrityTag(signingSecret, options.purpose, body) };
      }
      client ??= connect();
      await (
        await client
      )(body, messageAttributes);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : 'the queue refused the record' };
    }
  };
}
