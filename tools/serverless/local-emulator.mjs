// @ts-check
/**
 * Lets `sls invoke local` on the local stage work on its own. The local stage publishes to the
 * SNS/SQS emulator at AWS_ENDPOINT_URL_SNS (127.0.0.1:4566, or LOCAL_EMULATOR_PORT, from .env.local).
 * When nothing listens there, this plugin starts the embedded emulator on that address for the
 * invoke, with the topic, the tail queue subscribed to it and the quarantine queue that `npm start`
 * creates, then prints what the topic received and stops it. When an emulator with the local topic
 * listens there (`npm start`'s, or `npm run invoke`'s), the invoke uses it, and that emulator's owner
 * prints what was published. When something else listens there (LocalStack's default port is 4566
 * too), the invoke is refused before the function runs: it would publish into someone else's service.
 *
 * Other stages and other commands are left alone; the emulator is loaded only when it is started.
 */
import { listening } from '../../scripts/local-ports.mjs';

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
    /** @type {{ port: number, topicName: string } | undefined} what `check` found to start */
    this.toStart = undefined;
    /** @type {{ emulator: Emulator, topicArn: string, tailQueueUrl: string, quarantineQueueUrl: string | undefined } | undefined} */
    this.started = undefined;
    // The check comes before anything is built, so a refusal leaves nothing running. The emulator starts after
    // serverless-esbuild's own `before:invoke:local:invoke` (it is listed first): the bundle is built before the
    // emulator starts, so a build error leaves nothing running either.
    this.hooks = {
      'before:invoke:local:loadEnvVars': () => this.check(),
      'before:invoke:local:invoke': () => this.start(),
      'after:invoke:local:invoke': () => this.finish(),
    };
  }

  /** Whether the invoke needs an emulator started, uses a running one, or must be refused. */
  async check() {
    if (this.serverless.getProvider('aws').getStage() !== 'local') return;
    const endpoint = process.env.AWS_ENDPOINT_URL_SNS;
    if (endpoint === undefined) return;
    const url = new URL(endpoint);
    // Only an emulator of this machine: a remote endpoint is someone else's.
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return;
    const port = Number(url.port || 80);
    const localTopicArn = this.functionEnvironment().TOPIC_ARN ?? '';
    const topicName = localTopicArn.split(':').at(-1);
    if (topicName === undefined || topicName === '') return;
    if (!(await listening(port))) {
      this.toStart = { port, topicName };
      return;
    }
    const { hasTopic } = await import('../../scripts/emulator.mjs');
    if (!(await hasTopic(endpoint, localTopicArn))) {
      throw new this.serverless.classes.Error(
        `Something else listens on ${endpoint}: it has no topic ${localTopicArn}, so it is not the relay's emulator (LocalStack listens on 4566 too). ` +
          'Stop it, or give the local stage another port: LOCAL_EMULATOR_PORT=4567 npx sls invoke local … (and npm start -- --emulator-port 4567).',
        'LOCAL_EMULATOR_PORT_TAKEN',
      );
    }
    const owner = process.env.LOCAL_EMULATOR_OWNER?.trim() || 'npm start';
    this.log.notice(`Using the SNS/SQS emulator already listening on ${endpoint}, which has the local topic (${owner} prints what is published).`);
  }

  async start() {
    const toStart = this.toStart;
    if (toStart === undefined) return;
    this.toStart = undefined;
    const { port, topicName } = toStart;
    const environment = this.functionEnvironment();
    const { startEmulator, createTopicWithTail } = await import('../../scripts/emulator.mjs');
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
      const { drainTail, printable } = await import('../../scripts/emulator.mjs');
      const published = await drainTail(emulator.endpoint, tailQueueUrl);
      process.stdout.write(`\nPublished on ${topicArn}: ${published.length} message(s)\n`);
      for (const record of published) process.stdout.write(`${printable(record)}\n`);
      if (quarantineQueueUrl !== undefined) {
        const quarantined = await drainTail(emulator.endpoint, quarantineQueueUrl);
        if (quarantined.length > 0) {
          process.stdout.write(`\nKept in the quarantine queue: ${quarantined.length} message(s)\n`);
          for (const record of quarantined) process.stdout.write(`${printable(record)}\n`);
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
