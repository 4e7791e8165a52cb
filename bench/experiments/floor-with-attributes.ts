/**
 * Experiment (not a contender): the floor (bench/peers/floor.ts) publishing a message shaped like
 * ours — the same body plus the message attributes our contract requires for a pool event
 * (event_type, event_id, pool_uuid, rule_uuid as String, current_usage_kb as Number). The difference
 * to the floor is what the SDK charges for the attributes alone.
 */
import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

const topicArn = process.env.TOPIC_ARN;

const sns = new SNSClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
});

interface Payload {
  type?: unknown;
  data?: { pool?: { uuid?: unknown; current_usage_kb?: unknown }; rule?: { uuid?: unknown } };
}

const text = (value: unknown): MessageAttributeValue | undefined =>
  typeof value === 'string' && value !== '' ? { DataType: 'String', StringValue: value } : undefined;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const payload = JSON.parse(body) as Payload;
  const attributes: Record<string, MessageAttributeValue | undefined> = {
    event_type: text(payload.type),
    event_id: text(randomUUID()),
    pool_uuid: text(payload.data?.pool?.uuid),
    rule_uuid: text(payload.data?.rule?.uuid),
    current_usage_kb:
      typeof payload.data?.pool?.current_usage_kb === 'number' ? { DataType: 'Number', StringValue: String(payload.data.pool.current_usage_kb) } : undefined,
  };
  const MessageAttributes = Object.fromEntries(Object.entries(attributes).filter((entry): entry is [string, MessageAttributeValue] => entry[1] !== undefined));
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(payload), MessageAttributes }));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message_id: MessageId }) };
};
