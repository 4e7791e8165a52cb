// @ts-check
/**
 * The local SNS/SQS emulator (fauxqs), started in-process on 127.0.0.1 only.
 * Used by `npm start`, `npm run invoke`, `npm run load` and the test suite.
 * JavaScript, type-checked with checkJs, rather than TypeScript: plain Node
 * loads it too (Jest's global setup, the fault tests' child process, the bench).
 */
import net from 'node:net';
import { startFauxqs } from 'fauxqs';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const LOCAL_TOPIC = 'droam-webhook-relay-local';

/**
 * fauxqs listens on every interface; the emulator must never be reachable from
 * outside this machine, so its listen call is redirected to the loopback address.
 * @param {number} port 0 for any free port
 */
export async function startEmulator(port = 0) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = /** @type {typeof listen} */ (
    function (/** @type {any[]} */ ...args) {
      const [first] = args;
      if (first !== null && typeof first === 'object' && 'port' in first) args[0] = { ...first, host: '127.0.0.1' };
      else if (typeof first === 'number' || typeof first === 'string') {
        if (typeof args[1] === 'string') args[1] = '127.0.0.1';
        else args.splice(1, 0, '127.0.0.1');
      }
      return listen.apply(this, /** @type {any} */ (args));
    }
  );
  try {
    const server = await startFauxqs({ port, logger: false, defaultRegion: REGION });
    return {
      server,
      port: server.port,
      endpoint: `http://127.0.0.1:${server.port}`,
      stop: () => server.stop(),
    };
  } finally {
    net.Server.prototype.listen = listen;
  }
}

/** The ARN the emulator gives a topic of that name. */
export const topicArn = (/** @type {string} */ name) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

/**
 * Creates a topic (FIFO when its name ends in .fifo) and a queue that receives
 * every message published on it, raw, attributes included.
 * @param {Awaited<ReturnType<typeof startEmulator>>} emulator
 * @param {string} name
 */
export function createTopicWithTail(emulator, name) {
  const fifo = name.endsWith('.fifo');
  const { topicArn: arn } = emulator.server.createTopic(name, fifo ? { attributes: { FifoTopic: 'true' } } : {});
  const queueName = fifo ? `${name.slice(0, -5)}-tail.fifo` : `${name}-tail`;
  const { queueUrl } = emulator.server.createQueue(queueName, fifo ? { attributes: { FifoQueue: 'true' } } : {});
  emulator.server.subscribe({ topic: name, queue: queueName, attributes: { RawMessageDelivery: 'true' } });
  return { topicArn: arn, queueUrl };
}

/**
 * The environment that points the `local` stage (serverless.yml params.local, .env.local) at this
 * emulator's topic and quarantine queue, for `sls invoke local` and `sls offline`.
 * @param {Awaited<ReturnType<typeof startEmulator>>} emulator
 * @param {{ topicArn: string, quarantineQueueUrl: string }} resources
 */
export function localStageEnv(emulator, { topicArn, quarantineQueueUrl }) {
  return {
    ...process.env,
    LOCAL_TOPIC_ARN: topicArn,
    LOCAL_QUARANTINE_QUEUE_URL: quarantineQueueUrl,
    AWS_ENDPOINT_URL_SNS: emulator.endpoint,
    AWS_ENDPOINT_URL_SQS: emulator.endpoint,
  };
}

/** The queue the relay keeps rejected payloads in, as serverless.yml declares it. */
export function createQuarantineQueue(/** @type {Awaited<ReturnType<typeof startEmulator>>} */ emulator) {
  return emulator.server.createQueue(`${LOCAL_TOPIC}-quarantine`, { attributes: { MaximumMessageSize: '1048576' } }).queueUrl;
}

/**
 * A record of the tail or the quarantine queue as it arrived: its message attributes (`value (DataType)`)
 * and its body, the message text exactly as published (numbers as dRoam wrote them, keys in the
 * relay's order), never parsed and written again.
 * @typedef {{ attributes: Record<string, string>, text: string }} TailRecord
 */

/**
 * Receives and deletes what the tail queue holds.
 * @param {string} endpoint
 * @param {string} queueUrl
 * @param {number} waitTimeSeconds
 * @returns {Promise<TailRecord[]>}
 */
export async function drainTail(endpoint, queueUrl, waitTimeSeconds = 0) {
  const { SQSClient, ReceiveMessageCommand, DeleteMessageBatchCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  /** @type {TailRecord[]} */
  const received = [];
  for (;;) {
    /** @type {import('@aws-sdk/client-sqs').ReceiveMessageCommandOutput} */
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: received.length === 0 ? waitTimeSeconds : 0,
      }),
    );
    if (Messages.length === 0) break;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    for (const m of Messages) {
      /** @type {Record<string, string>} */
      const attributes = {};
      for (const [key, value] of Object.entries(m.MessageAttributes ?? {})) attributes[key] = `${value.StringValue} (${value.DataType})`;
      received.push({ attributes, text: m.Body ?? '' });
    }
  }
  sqs.destroy();
  return received;
}

/**
 * How `npm start`, `npm run invoke` and `sls invoke local` print a record: each attribute on a line of
 * its own, then the message text as published, on one line.
 * @param {TailRecord} record
 */
export function printable(record) {
  return [...Object.entries(record.attributes).map(([name, value]) => `  ${name}: ${value}`), record.text].join('\n');
}

/**
 * Whether the SNS service at `endpoint` has the topic: the relay's emulator has the local topic,
 * anything else listening on its port is someone else's.
 * @param {string} endpoint @param {string} topicArn
 */
export async function hasTopic(endpoint, topicArn) {
  const { SNSClient, GetTopicAttributesCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient({ endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }), { abortSignal: AbortSignal.timeout(3_000) });
    return true;
  } catch {
    return false;
  } finally {
    sns.destroy();
  }
}
