/**
 * The relay as the AWS ecosystem recommends writing it: Middy with its HTTP middlewares, the
 * Powertools parser middleware, Powertools Logger and Powertools Metrics (`logMetrics`, one EMF
 * document per invocation), as a production user would run them. Peers (a) and (b) are this
 * handler with the pool payload (and the envelope for every other type) in valibot or in zod.
 * Same job and same answers as ours: 413 and 415 first, echoes answered without authentication,
 * 401, 400, 422, the CloudEvent published with its attributes, 503 with Retry-After; one log line
 * per request and its metrics (received, the outcome, publish latency; by type and reason). It
 * reuses our configuration, authentication and CloudEvent, so that the framework and the validator
 * are what differ. Not done here (ours does): quarantine of 422s, the source allow-list,
 * EVENT_TYPES, 405, FIFO topics.
 */
import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { createError } from '@middy/util';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DEFAULT_DROAM_SOURCE, RELAY_ATTRIBUTES } from '../../lib/contract/attributes';
import { toPublishedCloudEvent } from '../../lib/contract/cloudevent';
import { authenticate } from '../../lib/relay/authenticate';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS } from '../../lib/lambda/clients';
import { loadConfig } from '../../lib/relay/config';

export const POOL_USAGE = 'rule.pool.usage.triggered';
const MAX_BODY_BYTES = 262_144;
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

/** What the schemas must output: the envelope, and for a pool event its pool and rule. */
export interface Payload {
  type: string;
  data: { pool?: { uuid: string; current_usage_kb?: number | null | undefined }; rule?: { uuid: string } } & Record<string, unknown>;
  created_at: { unix_timestamp: number };
  [member: string]: unknown;
}

export interface Validator {
  /** The pool schema for a pool event, the envelope for any other type, checked on `body` of the whole event. */
  readonly event: StandardSchemaV1<unknown, { body: Payload }>;
  readonly isEcho: (payload: unknown) => boolean;
  /** Where the api secrets come from when not from the environment: read before each request's authentication (cached by the reader). */
  readonly apiSecrets?: () => Promise<readonly string[]>;
}

export function middyPowertoolsRelay(validator: Validator) {
  const config = loadConfig(process.env);
  const secretsOf = validator.apiSecrets;
  const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'droam-webhook-relay';
  const logger = new Logger({ serviceName: service });
  const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DroamWebhookRelay', serviceName: service });
  const sns = new SNSClient(AWS_CLIENT_OPTIONS);

  const httpError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    const error = createError(status, JSON.stringify({ error: code, message }), { expose: true });
    error.code = code;
    error.headers = { ...JSON_HEADERS, ...headers };
    return error;
  };
  const rawBody = (event: APIGatewayProxyEventV2): string =>
    event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

  /** One log line and the request's metrics, once the answer is known. */
  let started = 0;
  const done = (status: number, outcome: string, code?: string) => {
    metrics.addMetric('received', MetricUnit.Count, 1);
    metrics.addMetric(outcome, MetricUnit.Count, 1);
    if (code !== undefined) metrics.addDimension('reason', code);
    const line = { status, ...(code === undefined ? {} : { error: code }), duration_ms: Date.now() - started };
    if (status >= 500) logger.error('request failed', line);
    else if (status >= 400) logger.warn('request rejected', line);
    else logger.info(outcome === 'echo' ? 'echo answered' : 'event published', line);
  };
  const requestLog = (): middy.MiddlewareObj<APIGatewayProxyEventV2, { statusCode: number }> => ({
    before: () => {
      started = Date.now();
    },
    after: (request) => {
      done(request.response?.statusCode ?? 200, 'published');
    },
    onError: (request) => {
      const status = request.response?.statusCode ?? 500;
      const code = (request.error as { code?: unknown } | null)?.code;
      done(status, 'rejected', typeof code === 'string' ? code : status === 422 ? 'invalid_payload' : 'internal_error');
    },
  });

  /** 413 and 415 before anything else; a missing content type is taken as JSON (see the normalizer). */
  const bodyLimits = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
    before: ({ event }) => {
      if (Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8') > MAX_BODY_BYTES) {
        throw httpError(413, 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes`);
      }
      if (!/^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i.test(event.headers['content-type'] ?? '')) {
        throw httpError(415, 'unsupported_media_type', 'The body must be application/json (UTF-8)');
      }
    },
  });

  /** dRoam's endpoint validation is answered with the body, unauthenticated. */
  const echo = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
    before: async (request) => {
      const body = rawBody(request.event);
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        return undefined;
      }
      if (!validator.isEcho(payload)) return undefined;
      done(200, 'echo');
      // An early answer skips the `after` phase: Powertools' own middlewares (metrics flush, context keys) are run here.
      await cleanupMiddlewares(request);
      return { statusCode: 200, headers: JSON_HEADERS, body };
    },
  });

  const droamAuth = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
    before: async ({ event }) => {
      if (config.auth === 'off') return;
      const apiSecrets = secretsOf === undefined ? config.apiSecrets : await secretsOf();
      const headers = new Map(Object.entries(event.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      const result = authenticate(headers, Math.floor(Date.now() / 1000), { ...config, apiSecrets });
      if (!result.ok) {
        logger.appendKeys({ auth_failure: result.reason });
        throw httpError(401, 'unauthorized', 'The request is not authenticated');
      }
    },
  });

  /** @middy/http-json-body-parser answers malformed JSON with a 415; the contract says 400. */
  const jsonErrors = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
    onError: (request) => {
      const cause = (request.error as { cause?: { package?: unknown } } | null)?.cause;
      if (request.response === undefined && cause?.package === '@middy/http-json-body-parser') {
        request.error = httpError(400, 'invalid_json', request.event.body ? 'The body is not valid JSON' : 'The body is empty');
      }
    },
  });

  const invalidPayload = (error: Error) => {
    const issues = (Array.isArray(error.cause) ? (error.cause as StandardSchemaV1.Issue[]) : []).slice(0, 20).map((issue) => ({
      path: (issue.path ?? [])
        .slice(1)
        .map((item) => String(typeof item === 'object' ? item.key : item))
        .join('.'),
      message: issue.message,
    }));
    const body = { error: 'invalid_payload', message: 'The payload does not match the dRoam schema for its type', issues };
    return { statusCode: 422, headers: JSON_HEADERS, body: JSON.stringify(body) };
  };

  const publish = async (event: APIGatewayProxyEventV2 & { body: Payload }) => {
    const payload = event.body;
    const { pool, rule } = payload.type === POOL_USAGE ? payload.data : {};
    const attributes = pool === undefined ? {} : { pool_uuid: pool.uuid, rule_uuid: rule?.uuid, current_usage_kb: pool.current_usage_kb };
    const { event: cloudEvent, json } = toPublishedCloudEvent(
      { type: payload.type, payload, subject: pool?.uuid, attributes, declared: pool !== undefined },
      config.eventSource,
      event.requestContext.requestId,
    );
    const messageAttributes: Record<string, MessageAttributeValue> = {};
    const published = { type: cloudEvent.type, id: cloudEvent.id, droamSource: DEFAULT_DROAM_SOURCE };
    for (const attribute of RELAY_ATTRIBUTES) messageAttributes[attribute.name] = { DataType: attribute.type, StringValue: attribute.value(published) };
    for (const [name, value] of Object.entries(attributes)) {
      if (typeof value === 'string' && value !== '') messageAttributes[name] = { DataType: 'String', StringValue: value };
      if (typeof value === 'number') messageAttributes[name] = { DataType: 'Number', StringValue: String(value) };
    }
    metrics.addDimension('event_type', cloudEvent.type);
    logger.appendKeys({ type: cloudEvent.type, id: cloudEvent.id });
    const started = Date.now();
    let messageId: string | undefined;
    try {
      const command = new PublishCommand({ TopicArn: config.topicArn, Message: json, MessageAttributes: messageAttributes });
      ({ MessageId: messageId } = await sns.send(command, { abortSignal: AbortSignal.timeout(PUBLISH_DEADLINE_MS) }));
    } catch (error) {
      logger.appendKeys({ detail: error instanceof Error ? error.name : 'UnknownError' });
    }
    metrics.addMetric('publish_latency', MetricUnit.Milliseconds, Date.now() - started);
    if (messageId === undefined) throw httpError(503, 'publish_failed', 'The event could not be published; retry later', { 'retry-after': '30' });
    return { statusCode: 200, headers: JSON_HEADERS, body: JSON.stringify({ id: cloudEvent.id, message_id: messageId }) };
  };

  return middy<APIGatewayProxyEventV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(requestLog())
    .use(httpErrorHandler({ logger: false }))
    .use(jsonErrors())
    .use(httpHeaderNormalizer({ defaultHeaders: { 'content-type': 'application/json' } }))
    .use(bodyLimits())
    .use(echo())
    .use(droamAuth())
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(parser({ schema: validator.event, errorHandler: invalidPayload }))
    .handler(publish);
}
