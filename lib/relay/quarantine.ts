import { AWS_CLIENT_OPTIONS } from './clients';
import { withDeadline } from './deadline';
import type { PayloadIssue } from '../contract';

/**
 * An authenticated payload the relay cannot publish is kept, not dropped:
 * an operator can inspect it, fix the schema or the data, and replay it.
 */
export interface QuarantineRecord {
  readonly received_at: string;
  readonly reason: 'invalid_payload' | 'publish_rejected';
  readonly request_id: string | undefined;
  readonly source_ip: string | undefined;
  /** The request's headers minus anything that could authenticate a request. */
  readonly headers: Readonly<Record<string, string>>;
  readonly issues: readonly PayloadIssue[];
  /** The body exactly as received (it parsed as JSON, so it is UTF-8 text). */
  readonly body: string;
}

export type Quarantine = (record: QuarantineRecord) => Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;

const SECRET_BEARING = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);
const SHA256_HEX = /^\s*[0-9a-f]{64}\s*$/i;

/** Drops the auth headers (named, pinned or discovered), credentials of any kind, and anything shaped like a hash. */
export function nonSecretHeaders(headers: ReadonlyMap<string, string>, authHeaderNames: ReadonlyArray<string | undefined>): Record<string, string> {
  const drop = new Set(authHeaderNames.filter((name): name is string => name !== undefined));
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (drop.has(name) || SECRET_BEARING.has(name) || SHA256_HEX.test(value)) continue;
    kept[name] = value;
  }
  return kept;
}

/** Sends quarantine records to an SQS queue; the SQS client is loaded on first use, keeping it off the cold start. */
export function sqsQuarantine(queueUrl: string, deadlineMs: number): Quarantine {
  let client: Promise<{ send: (record: QuarantineRecord) => Promise<void> }> | undefined;
  const connect = async () => {
    const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    // The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS locally), not from the queue URL's host.
    const sqs = new SQSClient({ ...AWS_CLIENT_OPTIONS, useQueueUrlAsEndpoint: false });
    return {
      send: async (record: QuarantineRecord) => {
        await withDeadline(deadlineMs, (abortSignal) =>
          sqs.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: JSON.stringify(record),
              MessageAttributes: {
                reason: { DataType: 'String', StringValue: record.reason },
                ...(record.request_id === undefined ? {} : { request_id: { DataType: 'String', StringValue: record.request_id } }),
              },
            }),
            { abortSignal },
          ),
        );
      },
    };
  };
  return async (record) => {
    try {
      client ??= connect();
      await (await client).send(record);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : 'quarantine failed' };
    }
  };
}
