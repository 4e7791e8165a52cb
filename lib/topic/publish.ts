import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Env } from '../lambda/config';
import { DeadlineExceeded, withDeadline } from '../lambda/deadline';
import type { SnsMessage } from './message';

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

export type Publish = (message: SnsMessage) => Promise<PublishResult>;

/** SNS error names caused by the message itself rather than by the service or its configuration. */
const MESSAGE_ERRORS = new Set(['InvalidParameterException', 'InvalidParameter', 'InvalidParameterValueException', 'InvalidParameterValue', 'ValidationError']);

/**
 * Publishes with an overall deadline on top of the client's own per-attempt
 * timeouts and retries, so a hanging SNS endpoint still gets an answer out
 * well inside API Gateway's limit.
 */
export function snsPublisher(client: SNSClient, topicArn: string, deadlineMs: number): Publish {
  return async (message) => {
    try {
      const output = await withDeadline(deadlineMs, (abortSignal) => client.send(new PublishCommand({ TopicArn: topicArn, ...message }), { abortSignal }));
      if (output.MessageId === undefined) {
        return { ok: false, error: { name: 'NoMessageId', message: 'SNS answered without a MessageId', retryable: true } };
      }
      return { ok: true, messageId: output.MessageId };
    } catch (error) {
      if (error instanceof DeadlineExceeded) {
        return { ok: false, error: { name: 'Timeout', message: `SNS did not answer within ${String(deadlineMs)} ms`, retryable: true } };
      }
      return { ok: false, error: toPublishFailure(error) };
    }
  };
}

function toPublishFailure(error: unknown): PublishFailure {
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
