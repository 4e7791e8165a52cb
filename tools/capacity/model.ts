/**
 * What a stage does with a burst of dRoam's webhooks: how many it admits and answers 429, how many it
 * publishes at once and how many wait in the publish-retry queue and for how long, and the Lambda
 * concurrency it needs. Plain arithmetic on the stage's settings and AWS's quotas (infra/quotas.js), so
 * that a test can hold it at its limits; tools/capacity/tables.ts fills in the settings and prints it.
 */

/** A token bucket: `burst` tokens, refilled at `rate` a second; a request takes one or is refused. */
export interface Bucket {
  readonly rate: number;
  readonly burst: number;
}

export type Ingress = 'httpApi' | 'functionUrl';

export interface BurstSettings {
  readonly region: string;
  /** Webhooks in the burst. */
  readonly webhooks: number;
  /** How fast dRoam sends them, a second; Infinity for all at once. */
  readonly perSecond: number;
  readonly ingress: Ingress;
  /** The stage's throttle (throttlingRateLimit, throttlingBurstLimit); the HTTP API only. */
  readonly stageThrottle: Bucket;
  /** API Gateway's throttle for the account in the Region, shared by all its APIs; the HTTP API only. */
  readonly accountThrottle: Bucket;
  /** The webhook's reserved concurrency; undefined: unreserved, it draws on the account's. */
  readonly reservedConcurrency: number | undefined;
  /** Lambda's concurrent executions for the account in the Region. */
  readonly accountConcurrency: number;
  /** How fast one function scales out: this many execution environments every `periodSeconds`. */
  readonly scaling: { readonly environments: number; readonly periodSeconds: number };
  /** What a warm request of the webhook, or an invocation of the drainer, takes: one SNS call in region. */
  readonly durationMs: number;
  /** SNS Publish for the account in the Region, messages a second (a FIFO topic's with FifoThroughputScope MessageGroup). */
  readonly snsPublishPerSecond: number;
  /** A FIFO topic: each message group publishes in order at up to `fifoGroupPerSecond`. */
  readonly fifo: boolean;
  readonly fifoGroupPerSecond: number;
  /** Message groups the burst's events fall in (FIFO): each event's subject, a SIM or a pool. */
  readonly messageGroups: number;
  /** The drainer's share of the Region's SNS Publish quota, in percent (retryPublishSharePercent). */
  readonly retrySharePercent: number;
  /** The drainer's MaximumConcurrency (retryDrainerMaximumConcurrency), and the messages of one PublishBatch. */
  readonly drainerConcurrency: number;
  readonly batchMessages: number;
  /** SSM's GetParameter a second for the account and Region: each new instance reads its api secrets with one. */
  readonly ssmGetParameterPerSecond: number;
  /** How long a request of a new instance waits for its first read of the api secrets, its attempts after a throttled answer included. */
  readonly secretsFirstReadDeadlineMs: number;
}

export interface Refusal {
  readonly admitted: number;
  /** Answered 429 (by API Gateway, or by Lambda over the concurrency). */
  readonly refused: number;
  /** What refused them: the tightest limit, when any refused. */
  readonly by: string | undefined;
}

export interface BurstOutcome extends Refusal {
  /** How long dRoam takes to send the burst, in seconds (at least one: quotas count a second). */
  readonly seconds: number;
  readonly concurrency: {
    /** Instances the admitted requests keep busy at their peak: dRoam's rate × a request's duration. */
    readonly needed: number;
    /** What the webhook may use: its reservation, or the account's concurrency. */
    readonly available: number;
    /** Seconds Lambda takes to scale the function out to what it needs (0: at once). */
    readonly scalingSeconds: number;
    /** The api secrets read at cold start by the instances a stage idle before the burst starts: one GetParameter each. */
    readonly secretsReads: number;
    /** Seconds until every new instance holds the secrets: SSM serving their reads at its GetParameter rate. */
    readonly secretsReadSeconds: number;
    /**
     * New instances SSM serves within the first read's deadline, whose first request waits for it and is answered;
     * the others answer 503 secrets_unavailable until a later read succeeds.
     */
    readonly secretsWithinFirstRead: number;
  };
  readonly publish: {
    /** What the topic takes a second: the Region's quota, and a FIFO topic's groups. */
    readonly topicPerSecond: number;
    /** The drainer's pace: its share of the quota, or what its instances can publish, whichever is less. */
    readonly drainerPerSecond: number;
    /** What the drainer's instances can publish a second: MaximumConcurrency × a batch per invocation. */
    readonly drainerCanPublish: number;
    /** The live path's share: what the topic takes less the drainer's pace. */
    readonly livePerSecond: number;
    readonly atOnce: number;
    readonly queued: number;
    /** Seconds from the burst's end until the publish-retry queue is empty. */
    readonly drainSeconds: number;
  };
}

/** Rounding below an integer that floating point reaches from just under it. */
const EPSILON = 1e-9;

/**
 * Requests a token bucket admits of `requests` arriving evenly at `perSecond`: the first at once, the
 * last (requests − 1) / perSecond seconds later. The bucket starts full, so it admits its burst and
 * then its rate: min(requests, ⌊burst + rate × span⌋).
 */
export function admittedByBucket(requests: number, perSecond: number, bucket: Bucket): number {
  if (requests <= 0) return 0;
  const span = Number.isFinite(perSecond) ? (requests - 1) / perSecond : 0;
  return Math.min(requests, Math.floor(bucket.burst + bucket.rate * span + EPSILON));
}

/**
 * Lambda's concurrency C, each request taking `durationMs`, is a bucket of C instances freed at C / duration
 * a second: at most C requests at once, and C / duration a second after that.
 */
export function concurrencyBucket(concurrency: number, durationMs: number): Bucket {
  return { rate: concurrency / (durationMs / 1000), burst: concurrency };
}

/** The limits the burst meets before the function runs, tightest first; the first that refuses is named. */
export function refusal(settings: BurstSettings): Refusal {
  const available = settings.reservedConcurrency ?? settings.accountConcurrency;
  const limits: [string, Bucket][] = [
    ...(settings.ingress === 'httpApi'
      ? ([
          ['the stage throttle', settings.stageThrottle],
          ["API Gateway's account throttle", settings.accountThrottle],
        ] as [string, Bucket][])
      : []),
    [
      settings.reservedConcurrency === undefined ? "Lambda's account concurrency" : "the webhook's reserved concurrency",
      concurrencyBucket(available, settings.durationMs),
    ],
  ];
  let admitted = settings.webhooks;
  let by: string | undefined;
  for (const [name, bucket] of limits) {
    const passes = admittedByBucket(settings.webhooks, settings.perSecond, bucket);
    if (passes < admitted) [admitted, by] = [passes, name];
  }
  return { admitted, refused: settings.webhooks - admitted, by };
}

/** The burst through the stage: refused, published at once, queued and drained. */
export function burstOutcome(settings: BurstSettings): BurstOutcome {
  const { admitted, refused, by } = refusal(settings);
  const seconds = Math.max(1, Number.isFinite(settings.perSecond) ? settings.webhooks / settings.perSecond : 0);
  const duration = settings.durationMs / 1000;
  const available = settings.reservedConcurrency ?? settings.accountConcurrency;
  // While a bucket still has its burst, requests pass as fast as dRoam sends them: the peak is its rate.
  const needed = Math.ceil(Math.min(admitted, settings.perSecond * duration) - EPSILON);
  const beyondFirstStep = Math.max(0, Math.min(needed, available) - settings.scaling.environments);
  const scalingSeconds = beyondFirstStep === 0 ? 0 : Math.ceil(beyondFirstStep / settings.scaling.environments - EPSILON) * settings.scaling.periodSeconds;

  const secretsReads = Math.min(needed, available);

  const topicPerSecond = settings.fifo
    ? Math.min(settings.snsPublishPerSecond, settings.messageGroups * settings.fifoGroupPerSecond)
    : settings.snsPublishPerSecond;
  const drainerCanPublish = (settings.drainerConcurrency * settings.batchMessages) / duration;
  const drainerPerSecond = Math.min((settings.snsPublishPerSecond * settings.retrySharePercent) / 100, drainerCanPublish, topicPerSecond);
  const livePerSecond = Math.max(0, topicPerSecond - drainerPerSecond);
  const atOnce = Math.min(admitted, Math.floor(livePerSecond * seconds + EPSILON));
  const queued = admitted - atOnce;
  const drainSeconds = queued === 0 ? 0 : Math.max(0, queued / drainerPerSecond - seconds);
  return {
    admitted,
    refused,
    by,
    seconds,
    concurrency: {
      needed,
      available,
      scalingSeconds,
      secretsReads,
      secretsReadSeconds: secretsReads / settings.ssmGetParameterPerSecond,
      secretsWithinFirstRead: Math.min(secretsReads, Math.floor((settings.ssmGetParameterPerSecond * settings.secretsFirstReadDeadlineMs) / 1000 + EPSILON)),
    },
    publish: { topicPerSecond, drainerPerSecond, drainerCanPublish, livePerSecond, atOnce, queued, drainSeconds },
  };
}
