import * as v from 'valibot';
import { AWS_CLIENT_OPTIONS, describeError } from '../lambda/clients';
import { withDeadline } from '../lambda/deadline';
import type { TraceClient } from '../observability/sinks';
import { asciiJson, integrityTag, type TagPurpose, verifyIntegrityTag } from './integrity';

/** The message attribute that carries a record's integrity tag (integrity.ts). */
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
      return { ok: false, error: error instanceof Error ? describeError(error) : 'the queue refused the record' };
    }
  };
}

/** A kind of record the relay keeps: the purpose its tag is made for, and its shape. */
export interface RecordKind<R> {
  readonly purpose: TagPurpose;
  /** Named in the detail of a malformed message, e.g. `a retry record (id, type, message)`. */
  readonly description: string;
  readonly schema: v.GenericSchema<unknown, R>;
}

export type ReadRecord<R> =
  { readonly ok: true; readonly record: R } | { readonly ok: false; readonly problem: 'untagged' | 'altered' | 'malformed'; readonly detail: string };

/**
 * A record read back from its queue: refused when it is not a record of its kind, when it carries no tag,
 * and when its tag does not verify under any of the secrets (so nobody who can only write to the queue can
 * add one).
 */
export function readTaggedRecord<R>(messageBody: string, tag: string | undefined, secrets: readonly string[], kind: RecordKind<R>): ReadRecord<R> {
  let value: unknown;
  try {
    value = JSON.parse(messageBody);
  } catch {
    return { ok: false, problem: 'malformed', detail: 'the message is not JSON' };
  }
  const parsed = v.safeParse(kind.schema, value);
  if (!parsed.success) return { ok: false, problem: 'malformed', detail: `the message is not ${kind.description}` };
  if (tag === undefined) return { ok: false, problem: 'untagged', detail: 'the message carries no integrity tag' };
  if (!verifyIntegrityTag(secrets, kind.purpose, messageBody, tag)) {
    return { ok: false, problem: 'altered', detail: 'the integrity tag does not match the message under any accepted secret' };
  }
  return { ok: true, record: parsed.output };
}
