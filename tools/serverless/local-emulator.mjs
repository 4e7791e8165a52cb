// @ts-check
/**
 * Lets `sls invoke local` on the local stage work on its own. The local stage publishes to the
 * SNS/SQS emulator at AWS_ENDPOINT_URL_SNS (127.0.0.1:4566, from .env.local). When nothing listens
 * there, this plugin starts the embedded emulator on that address for the invoke, with the topic,
 * the tail queue subscribed to it and the quarantine queue that `npm start` creates, then prints
 * what the topic received and stops it. When something listens there (`npm start`), the invoke
 * uses it, and `npm start` prints what was published.
 *
 * Other stages and other commands are left alone; the emulator is loaded only when it is started.
 */
import net from 'node:net';

/** @typedef {Awaited<ReturnType<typeof import('../../scripts/emulator.mjs').startEmulator>>} Emulator */

export default class LocalEmulator {
  /**
   * @param {any} serverless the Serverless instance
   * @param {Record<string, unknown>} options the command line options
   * @param {{ log: { notice: (message: string) => void, warning: (message: string) => void } }} utils
   */
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    /** @type {{ emulator: Emulator, topicArn: string, tailQueueUrl: string, quarantineQueueUrl: string | undefined } | undefined} */
    this.started = undefined;
    // After serverless-esbuild's own `before:invoke:local:invoke` (it is listed first): the bundle is built
    // before the emulator starts, so a build error leaves nothing running.
    this.hooks = {
      'before:invoke:local:invoke': () => this.start(),
      'after:invoke:local:invoke': () => this.finish(),
    };
  }

  async start() {
    if (this.serverless.getProvider('aws').getStage() !== 'local') return;
    const endpoint = process.env.AWS_ENDPOINT_URL_SNS;
    if (endpoint === undefined) return;
    const url = new URL(endpoint);
    // Only an emulator of this machine: a remote endpoint is someone else's.
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return;
    const port = Number(url.port || 80);
    if (await listening(port)) {
      this.log.notice(`Using the SNS/SQS emulator already listening on ${endpoint} (npm start prints what is published).`);
      return;
    }
    const { startEmulator, createTopicWithTail } = await import('../../scripts/emulator.mjs');
    const environment = this.functionEnvironment();
    const topicName = environment.TOPIC_ARN?.split(':').at(-1);
    if (topicName === undefined || topicName === '') return;
    const emulator = await startEmulator(port);
    const { topicArn, queueUrl: tailQueueUrl } = createTopicWithTail(emulator, topicName);
    const quarantineName = environment.QUARANTINE_QUEUE_URL?.split('/').at(-1);
    const quarantineQueueUrl =
      quarantineName === undefined || quarantineName === ''
        ? undefined
        : emulator.server.createQueue(quarantineName, { attributes: { MaximumMessageSize: '1048576' } }).queueUrl;
    this.started = { emulator, topicArn, tailQueueUrl, quarantineQueueUrl };
    this.log.notice(`Started an SNS/SQS emulator on ${emulator.endpoint} for this invoke, with topic ${topicArn}.`);
  }

  async finish() {
    const started = this.started;
    if (started === undefined) return;
    this.started = undefined;
    const { emulator, topicArn, tailQueueUrl, quarantineQueueUrl } = started;
    try {
      const { drainTail } = await import('../../scripts/emulator.mjs');
      const published = await drainTail(emulator.endpoint, tailQueueUrl);
      process.stdout.write(`\nPublished on ${topicArn}: ${published.length} message(s)\n`);
      for (const record of published) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      if (quarantineQueueUrl !== undefined) {
        const quarantined = await drainTail(emulator.endpoint, quarantineQueueUrl);
        if (quarantined.length > 0) {
          process.stdout.write(`\nKept in the quarantine queue: ${quarantined.length} message(s)\n`);
          for (const record of quarantined) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        }
      }
    } finally {
      await emulator.stop();
    }
  }

  /** The invoked function's environment as serverless.yml resolves it: the provider's, then its own. @returns {Record<string, string | undefined>} */
  functionEnvironment() {
    const { service } = this.serverless;
    const name = String(this.options.function ?? this.options.f ?? '');
    const fn = service.getFunction(name);
    return { ...(service.provider.environment ?? {}), ...(fn.environment ?? {}) };
  }
}

/** Whether something accepts connections on 127.0.0.1:port. @param {number} port @returns {Promise<boolean>} */
function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
