import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
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
    for (const m of Messages) {
      records.push({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'sns', ApproximateFirstReceiveTimestamp: '0', ...m.Attributes },
        messageAttributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [name, { dataType: a.DataType ?? 'String', stringValue: a.StringValue }]),
        ),
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: REGION,
      });
    }
  }
}
