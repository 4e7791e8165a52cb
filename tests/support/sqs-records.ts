/** SQS records as a Lambda function subscribed to the relay's topic through a queue receives them. */
import type { SQSRecord } from 'aws-lambda';
import type { SnsMessage } from '../../lib/topic/message';

let nextId = 0;

/** The SQS record a raw-delivery subscription gets: the CloudEvent as body, attributes as SQS message attributes. */
export function rawRecord(message: Pick<SnsMessage, 'Message' | 'MessageAttributes'>): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, a] of Object.entries(message.MessageAttributes)) messageAttributes[name] = { dataType: a.DataType ?? 'String', stringValue: a.StringValue };
  return sqsRecord(message.Message, messageAttributes);
}

/** The SQS record an enveloped subscription gets: SNS's notification JSON as body. */
export function envelopedRecord(message: Pick<SnsMessage, 'Message' | 'MessageAttributes'>): SQSRecord {
  const notification = {
    Type: 'Notification',
    MessageId: 'b7a7f0f4-5d54-5b8e-9d2a-3f3c1c9e2a11',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:droam-webhook-relay-local',
    Message: message.Message,
    Timestamp: '2024-01-01T00:00:00.000Z',
    SignatureVersion: '1',
    MessageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes).map(([name, a]) => [name, { Type: a.DataType, Value: a.StringValue }])),
  };
  return sqsRecord(JSON.stringify(notification), {});
}

/** An SQS record as the Lambda event source hands it over, with the given body and message attributes. */
export function sqsRecord(body: string, messageAttributes: SQSRecord['messageAttributes']): SQSRecord {
  nextId++;
  return {
    messageId: `message-${nextId}`,
    receiptHandle: `receipt-${nextId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1704067200000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1704067200000' },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:pool-usage',
    awsRegion: 'us-east-1',
  };
}
