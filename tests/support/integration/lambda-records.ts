import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type Emulator, type Queue, REGION } from './aws';

/**
 * Receives everything a queue holds, as the Lambda SQS event source hands it
 * over: one SQSRecord per message. Waits up to 5 s for the first `expect`.
 * Received messages stay invisible for the queue's visibility timeout, so
 * nothing is received twice (nor deleted: as a function that has not answered yet).
 */
export async function receiveRecords(emulator: Emulator, queue: Queue, expect: number): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  const deadline = Date.now() + 5_000;
  for (;;) {
    const waiting = records.length < expect && Date.now() < deadline;
    const { Messages = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        WaitTimeSeconds: waiting ? 1 : 0,
      }),
    );
    if (Messages.length === 0 && !waiting) return records;
    for (const m of Messages) records.push(recordOf(m, queue.arn, 'sns'));
  }
}

/** A received message as Lambda's SQS event source hands it to a function. */
export function recordOf(message: Message, queueArn: string, senderId = 'local'): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: senderId, ApproximateFirstReceiveTimestamp: '0', ...message.Attributes },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', stringValue: value.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  };
}
