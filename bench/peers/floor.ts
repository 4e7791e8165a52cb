/**
 * Peer (f), the floor: what any relay built on the mandated SNS client costs at least. It only
 * JSON-parses the body and publishes it, with the SNS client configured exactly as
 * functions/webhook.ts configures it — no configuration check, auth, validation, CloudEvent,
 * attributes or logging. Not a usable relay: it publishes whatever it is sent.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { snsClient } from '../../lib/lambda/clients';

const topicArn = process.env.TOPIC_ARN;

const sns = snsClient();

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const payload: unknown = JSON.parse(body);
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(payload) }));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message_id: MessageId }) };
};
