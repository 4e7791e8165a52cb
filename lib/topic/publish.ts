import { PublishBatchCommand, type PublishBatchCommandOutput, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { callOptions } from '../lambda/call-signal';
import type { Env } from '../lambda/config';
import { DeadlineExceeded, withDeadline } from '../lambda/deadline';
import { SNS_MAX_MESSAGE_BYTES, type SnsMessage } from './message';

export type PublishResult = { readonly ok: true; readonly messageId: string } | { readonly ok: false; readonly error: PublishFailure };

export interface PublishFailure {
  /** The SDK's error name (e.g. `ThrottledException`), or `Timeout` when the deadline passed. */
  readonly name: string;
  readonly message: string;
  /**
   * False when SNS refused this message for what it is (an invalid parameter):
   * sending it again cannot succeed. Everything else — network, time-outs,
   * throttling, 5xx, IAM, KMS, a missing topic — can be mended by waiting or by
   * an operator, so the sender should retry.
   */
  readonly retryable: boolean;
}

/** `deadlineMs`, when given and shorter, replaces the publisher's own deadline for this message. */
export type Publish = (message: SnsMessage, deadlineMs?: number) => Promise<PublishResult>;

/** SNS error names caused by the message itself rather than by the service or its configuration. */
const MESSAGE_ERRORS = new Set(['InvalidParameterException', 'InvalidParameter', 'InvalidParameterValueException', 'InvalidParameterValue', 'ValidationError']);

/**
 * Publishes with an overall deadline on top of the client's own per-attempt
 * timeouts and retries, so a hanging SNS endpoint still gets an answer out
 * well inside API Gateway's limit.
 */
export function snsPublisher(client: SNSClient, topicArn: string, deadlineMs: number): Publish {
  return async (message, shorter = deadlineMs) => {
    const deadline = Math.min(deadlineMs, shorter);
    try {
      const output = await withDeadline(deadline, (abortSignal) => {
        const command = new PublishCommand({ TopicArn: topicArn, ...message });
        return client.send(command, callOptions(client, command.input, abortSignal));
      });
      if (output.MessageId === undefined) {
        return { ok: false, error: { name: 'NoMessageId', message: 'SNS answered without a MessageId', retryable: true } };
      }
      return { ok: true, messageId: output.MessageId };
    } catch (error) {
      return { ok: false, error: callFailure(error, deadline) };
    }
  };
}

/** One result per message, in the order given. */
export type PublishBatch = (messages: readonly SnsMessage[]) => Promise<PublishResult[]>;

/** What one PublishBatch call may carry: ten messages, 256 KiB together (each counts against the Publish quota as one Publish). */
export const PUBLISH_BATCH_MAX_MESSAGES = 10;
export const PUBLISH_BATCH_MAX_BYTES = SNS_MAX_MESSAGE_BYTES;

// The call as a whole was too large for SNS, though each message fits: each is then sent on its own.
const BATCH_TOO_LONG = new Set(['BatchRequestTooLong', 'BatchRequestTooLongException']);

/**
 * Publishes up to PUBLISH_BATCH_MAX_MESSAGES messages in one PublishBatch call, each with its attributes and
 * FIFO ids as a Publish would carry them, under the same overall deadline. A message SNS fails on its own gets
 * its own failure; a call that fails as a whole fails every message alike (throttling, network, time-out),
 * except a call refused for what it carries, whose messages are then published one per call so that one
 * message SNS refuses does not take the others with it.
 */
export function snsBatchPublisher(client: SNSClient, topicArn: string, deadlineMs: number): PublishBatch {
  const publishBatch: PublishBatch = async (messages) => {
    let output: PublishBatchCommandOutput;
    try {
      output = await withDeadline(deadlineMs, (abortSignal) => {
        const entries = messages.map((message, index) => ({ Id: String(index), ...message }));
        const command = new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries });
        return client.send(command, callOptions(client, command.input, abortSignal));
      });
    } catch (error) {
      const failure = callFailure(error, deadlineMs);
      if (messages.length > 1 && (!failure.retryable || BATCH_TOO_LONG.has(failure.name))) {
        return (await Promise.all(messages.map((message) => publishBatch([message])))).flat();
      }
      return messages.map(() => ({ ok: false, error: failure }));
    }
    const published = new Map((output.Successful ?? []).map((entry) => [entry.Id, entry.MessageId]));
    const failed = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry]));
    return messages.map((_, index): PublishResult => {
      const failure = failed.get(String(index));
      if (failure !== undefined) {
        const name = failure.Code ?? 'UnknownError';
        return { ok: false, error: { name, message: (failure.Message ?? '').slice(0, 300), retryable: !MESSAGE_ERRORS.has(name) } };
      }
      const messageId = published.get(String(index));
      if (messageId === undefined)
        return { ok: false, error: { name: 'NoMessageId', message: 'SNS answered without a MessageId for the message', retryable: true } };
      return { ok: true, messageId };
    });
  };
  return publishBatch;
}

/**
 * Items in PublishBatch calls, in their order: consecutive runs of at most PUBLISH_BATCH_MAX_MESSAGES whose
 * bytes (`bytesOf`, as SNS counts them) stay within PUBLISH_BATCH_MAX_BYTES together.
 */
export function inPublishBatches<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length === PUBLISH_BATCH_MAX_MESSAGES || (current.length > 0 && bytes + size > PUBLISH_BATCH_MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The failure of a call that did not answer or answered with an error. */
function callFailure(error: unknown, deadlineMs: number): PublishFailure {
  if (error instanceof DeadlineExceeded) return { name: 'Timeout', message: `SNS did not answer within ${String(deadlineMs)} ms`, retryable: true };
  if (!(error instanceof Error)) return { name: 'UnknownError', message: 'SNS publish failed', retryable: true };
  return { name: error.name, message: error.message.slice(0, 300), retryable: !MESSAGE_ERRORS.has(error.name) };
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** The destination topic (TOPIC_ARN), and what is wrong with it. */
export function readTopicArn(env: Env): { readonly topicArn: string; readonly problems: string[] } {
  const topicArn = env.TOPIC_ARN?.trim() ?? '';
  if (topicArn === '') return { topicArn, problems: ['TOPIC_ARN is required (the ARN of the destination SNS topic)'] };
  if (!TOPIC_ARN.test(topicArn)) return { topicArn, problems: [`TOPIC_ARN is not an SNS topic ARN: "${topicArn}"`] };
  return { topicArn, problems: [] };
}
