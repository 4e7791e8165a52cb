import * as v from 'valibot';
import { AWS_CLIENT_OPTIONS, describeError } from '../lambda/clients';
import { withDeadline } from '../lambda/deadline';
import type { TraceClient } from '../observability/sinks';
import { INTEGRITY_TAG_ATTRIBUTE } from '../contract';
import { asciiJson, checkIntegrityTag, integrityTag, type TagExpectation, type TagIssue, type TagProblem, type TagPurpose } from './integrity';

/** The message attribute that carries a record's integrity tag (integrity.ts): the name a published message carries its own under. */
export const INTEGRITY_TAG = INTEGRITY_TAG_ATTRIBUTE.name;

export type SendResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** What a record is tagged with: the api secret the relay signs with (its first accepted one), its stage and the time. */
export interface Signer {
  readonly secret: string;
  readonly issue: TagIssue;
}

/**
 * Sends one record, tagged (untagged without a signer: authentication off); string attributes must be
 * printable ASCII (others are left off).
 */
export type SendRecord = (record: object, attributes: Readonly<Record<string, string | number | undefined>>, signer: Signer | undefined) => Promise<SendResult>;

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
  return async (record, attributes, signer) => {
    try {
      const body = asciiJson(record);
      const messageAttributes: Record<string, { DataType: string; StringValue: string }> = {};
      for (const [name, value] of Object.entries(attributes)) {
        if (typeof value === 'number') messageAttributes[name] = { DataType: 'Number', StringValue: String(value) };
        else if (value !== undefined && PRINTABLE_ASCII.test(value)) messageAttributes[name] = { DataType: 'String', StringValue: value };
      }
      if (signer !== undefined) {
        messageAttributes[INTEGRITY_TAG] = { DataType: 'String', StringValue: integrityTag(signer.secret, options.purpose, body, signer.issue) };
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

/** A kind of record the relay keeps: the purpose its tag is made for, and its shape (which names its stage). */
export interface RecordKind<R extends { readonly stage: string }> {
  readonly purpose: TagPurpose;
  /** Named in the detail of a malformed message, e.g. `a retry record (id, type, message)`. */
  readonly description: string;
  readonly schema: v.GenericSchema<unknown, R>;
}

export type ReadRecord<R> =
  | { readonly ok: true; readonly record: R; readonly issue: TagIssue }
  | { readonly ok: false; readonly problem: TagProblem | 'malformed'; readonly detail: string };

/**
 * A record read back from its queue: refused when it is not a record of its kind, when it carries no tag,
 * when its tag does not verify under any of the secrets (so nobody who can only write to the queue can add
 * one), when another stage's relay made it (its tag and the stage it names agree), and when it is older
 * than `expected.maxAgeSeconds`.
 */
export function readTaggedRecord<R extends { readonly stage: string }>(
  messageBody: string,
  tag: string | undefined,
  secrets: readonly string[],
  kind: RecordKind<R>,
  expected: TagExpectation = {},
): ReadRecord<R> {
  let value: unknown;
  try {
    value = JSON.parse(messageBody);
  } catch {
    return { ok: false, problem: 'malformed', detail: 'the message is not JSON' };
  }
  const parsed = v.safeParse(kind.schema, value);
  if (!parsed.success) return { ok: false, problem: 'malformed', detail: `the message is not ${kind.description}` };
  const check = checkIntegrityTag(secrets, kind.purpose, messageBody, tag, expected);
  if (!check.ok) return { ok: false, problem: check.problem, detail: `the message ${check.detail}` };
  if (parsed.output.stage !== check.stage) {
    return { ok: false, problem: 'altered', detail: `the message names stage ${parsed.output.stage}, its tag ${check.stage}` };
  }
  return { ok: true, record: parsed.output, issue: { stage: check.stage, issuedAt: check.issuedAt } };
}
