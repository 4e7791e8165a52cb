/**
 * Peer (a): the relay as the AWS ecosystem recommends writing it — Middy with its HTTP
 * middlewares, the Powertools parser middleware validating with the same valibot schemas as ours
 * (through Standard Schema), and Powertools Logger. Same job and same answers as ours: 413 and 415
 * first, echoes answered without auth, 401, 400, 422 with issues, CloudEvent published with the same
 * attributes, 503 with Retry-After; one log line per request. It reuses our pure helpers
 * (configuration, auth, CloudEvent, SNS message) so that only the framework differs.
 * Not done here (ours does): quarantine of 422s, the source allow-list, EVENT_TYPES, 405.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { createError } from '@middy/util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';
import { authenticate } from '../../lib/relay/authenticate';
import { toCloudEvent } from '../../lib/contract';
import { loadConfig } from '../../lib/relay/config';
import { isJsonMediaType } from '../../lib/relay/pipeline';
import { AnyEnvelope } from '../../lib/contract/schemas/common';
import { EchoRequest } from '../../lib/contract/schemas/echo';
import { RulePoolUsageTriggered } from '../../lib/contract/schemas/pool';
import { snsMessageBytes, SNS_MAX_MESSAGE_BYTES, toSnsMessage } from '../../lib/relay/message';
import { AWS_CLIENT_OPTIONS } from '../../lib/relay/clients';

const MAX_BODY_BYTES = 262_144;
const RETRY_AFTER_SECONDS = 30;
const POOL_USAGE = 'rule.pool.usage.triggered';
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

const config = loadConfig(process.env);
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'droam-webhook-relay' });
const sns = new SNSClient(AWS_CLIENT_OPTIONS);

type PoolUsage = v.InferOutput<typeof RulePoolUsageTriggered>;

/** The pool schema for pool events, the envelope for any other type; the body is parsed by then. */
const WebhookEvent = v.looseObject({
  body: v.lazy<typeof RulePoolUsageTriggered | typeof AnyEnvelope>((input) =>
    typeof input === 'object' && input !== null && (input as { type?: unknown }).type === POOL_USAGE ? RulePoolUsageTriggered : AnyEnvelope,
  ),
});
type WebhookEvent = v.InferOutput<typeof WebhookEvent>;

interface RequestState {
  started: number;
  code?: string;
}

/** An error @middy/http-error-handler turns into our JSON error answer. */
function httpError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  const error = createError(status, JSON.stringify({ error: code, message }), { expose: true });
  error.code = code;
  error.headers = { ...JSON_HEADERS, ...headers };
  return error;
}

const headerMap = (event: APIGatewayProxyEventV2): Map<string, string> =>
  new Map(Object.entries(event.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));

const rawBody = (event: APIGatewayProxyEventV2): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

/** One structured line per request, written once the answer is known. */
const requestLog = (): middy.MiddlewareObj<APIGatewayProxyEventV2, { statusCode: number }> => ({
  before: (request) => {
    (request.internal as { state?: RequestState }).state = { started: Date.now() };
  },
  after: (request) => {
    const state = (request.internal as { state: RequestState }).state;
    logger.info('event published', { status: request.response?.statusCode, duration_ms: Date.now() - state.started });
  },
  onError: (request) => {
    const state = (request.internal as { state?: RequestState }).state;
    const status = request.response?.statusCode ?? 500;
    const error = (request.error as { code?: unknown } | null)?.code ?? (status === 422 ? 'invalid_payload' : 'internal_error');
    const line = { status, error, duration_ms: state === undefined ? 0 : Date.now() - state.started };
    if (status >= 500) logger.error('request failed', line);
    else logger.warn('request rejected', line);
  },
});

/** 413 and 415 come before anything else; a missing content type is taken as JSON (see the normalizer). */
const bodyLimits = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: ({ event }) => {
    const bytes = event.isBase64Encoded ? Buffer.byteLength(event.body ?? '', 'base64') : Buffer.byteLength(event.body ?? '');
    if (bytes > MAX_BODY_BYTES) throw httpError(413, 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes`);
    if (!isJsonMediaType(event.headers['content-type'] ?? '')) {
      throw httpError(415, 'unsupported_media_type', 'The body must be application/json (UTF-8)');
    }
  },
});

/** dRoam's endpoint validation is answered with the body, unauthenticated, before anything else. */
const echo = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: ({ event }) => {
    const body = rawBody(event);
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (!v.is(EchoRequest, payload)) return undefined;
    logger.info('echo answered', { status: 200 });
    return { statusCode: 200, headers: JSON_HEADERS, body };
  },
});

const droamAuth = (): middy.MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: ({ event }) => {
    if (config.auth === 'off') return;
    const result = authenticate(headerMap(event), Math.floor(Date.now() / 1000), config);
    if (!result.ok) {
      logger.appendKeys({ auth_failure: result.reason });
      throw httpError(401, 'unauthorized', 'The request is not authenticated');
    }
    logger.appendKeys({ auth_headers: { timestamp: result.timestampHeader, hash: result.hashHeader } });
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
  const issues = (Array.isArray(error.cause) ? (error.cause as v.BaseIssue<unknown>[]) : []).slice(0, 20).map((issue) => {
    const path = (issue.path ?? [])
      .slice(1)
      .map((item) => String(item.key))
      .join('.');
    const missing = issue.kind === 'schema' && issue.received === 'undefined' && path !== '';
    return { path, message: missing ? 'Required field is missing' : issue.message };
  });
  return {
    statusCode: 422,
    headers: JSON_HEADERS,
    body: JSON.stringify({ error: 'invalid_payload', message: 'The payload does not match the dRoam schema for its type', issues }),
  };
};

const publish = async (event: WebhookEvent) => {
  const body = event.body;
  const pool = body.type === POOL_USAGE ? (body as PoolUsage) : undefined;
  const attributes =
    pool === undefined ? {} : { pool_uuid: pool.data.pool.uuid, rule_uuid: pool.data.rule.uuid, current_usage_kb: pool.data.pool.current_usage_kb };
  const cloudEvent = toCloudEvent(
    { type: body.type, payload: body, subject: pool?.data.pool.uuid, attributes, declared: pool !== undefined },
    config.eventSource,
    (event.requestContext as { requestId?: string } | undefined)?.requestId,
  );
  const message = toSnsMessage(cloudEvent, attributes, config.fifo);
  const bytes = snsMessageBytes(message);
  if (bytes > SNS_MAX_MESSAGE_BYTES) {
    throw httpError(413, 'payload_too_large', `The event is ${bytes} bytes as a message, over SNS's ${SNS_MAX_MESSAGE_BYTES}`);
  }
  logger.appendKeys({ type: cloudEvent.type, id: cloudEvent.id });
  let messageId: string | undefined;
  try {
    ({ MessageId: messageId } = await sns.send(new PublishCommand({ TopicArn: config.topicArn, ...message }), { abortSignal: AbortSignal.timeout(7_000) }));
  } catch (error) {
    logger.appendKeys({ detail: error instanceof Error ? error.name : 'UnknownError' });
  }
  if (messageId === undefined) {
    throw httpError(503, 'publish_failed', 'The event could not be published; retry later', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  logger.appendKeys({ message_id: messageId });
  return { statusCode: 200, headers: JSON_HEADERS, body: JSON.stringify({ id: cloudEvent.id, message_id: messageId }) };
};

export const handler = middy<APIGatewayProxyEventV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(requestLog())
  .use(httpErrorHandler({ logger: false }))
  .use(jsonErrors())
  .use(httpHeaderNormalizer({ defaultHeaders: { 'content-type': 'application/json' } }))
  .use(bodyLimits())
  .use(echo())
  .use(droamAuth())
  .use(httpJsonBodyParser({ disableContentTypeError: true }))
  .use(parser({ schema: WebhookEvent, errorHandler: invalidPayload }))
  .handler(publish);
