/**
 * Turns whatever invoked the function — API Gateway HTTP API (payload 2.0),
 * REST API proxy (1.0) or a Lambda function URL — into one request shape.
 * The input is `unknown` on purpose: nothing here may throw, whatever arrives.
 */

export type EventFormat = 'http-api-v2' | 'rest-api-v1' | 'function-url' | 'unknown';

export interface WebhookRequest {
  readonly format: EventFormat;
  readonly method: string | undefined;
  /** Lower-cased names; repeated headers joined with "," as HTTP allows. */
  readonly headers: ReadonlyMap<string, string>;
  /** The body as the client sent it, base64 already decoded. */
  readonly body: Buffer;
  readonly sourceIp: string | undefined;
  readonly requestId: string | undefined;
  /** The dRoam source the path names (`/webhooks/droam/<name>`); undefined for the default one (`/webhooks/droam`). */
  readonly droamSource: string | undefined;
  /**
   * A function URL's path that is neither `/webhooks/droam` nor `/webhooks/droam/<name>`: a function URL hands the
   * function every path, where API Gateway's routes answer any other path 404 before the function runs.
   */
  readonly unknownPath: string | undefined;
}

type Dict = Record<string, unknown>;

const isDict = (value: unknown): value is Dict => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const dict = (value: unknown): Dict => (isDict(value) ? value : {});

export function decodeRequest(event: unknown): WebhookRequest {
  const e = dict(event);
  const context = dict(e.requestContext);
  const http = dict(context.http);
  const identity = dict(context.identity);
  const v2 = e.version === '2.0' || isDict(context.http);
  const format: EventFormat = v2
    ? str(context.domainName)?.includes('.lambda-url.')
      ? 'function-url'
      : 'http-api-v2'
    : typeof e.httpMethod === 'string' || e.version === '1.0'
      ? 'rest-api-v1'
      : 'unknown';

  const path = str(e.rawPath) ?? str(e.path);
  return {
    format,
    method: (str(http.method) ?? str(e.httpMethod))?.toUpperCase(),
    headers: normaliseHeaders(e.headers, e.multiValueHeaders),
    body: decodeBody(e.body, e.isBase64Encoded === true),
    sourceIp: str(http.sourceIp) ?? str(identity.sourceIp),
    requestId: str(context.requestId),
    ...(format === 'function-url' ? functionUrlPath(path) : { droamSource: str(dict(e.pathParameters).source) ?? sourceInPath(path), unknownPath: undefined }),
  };
}

/** The webhook's two paths, as the HTTP API routes them: the default source's, and a named source's. */
const WEBHOOK_PATH = /^\/webhooks\/droam(?:\/([^/]+))?\/?$/;

/** A function URL has no routes: its path alone names the source, or is none of the webhook's. */
function functionUrlPath(path: string | undefined): Pick<WebhookRequest, 'droamSource' | 'unknownPath'> {
  const match = WEBHOOK_PATH.exec(path ?? '');
  return match === null ? { droamSource: undefined, unknownPath: path ?? '' } : { droamSource: match[1], unknownPath: undefined };
}

/** The segment after `/webhooks/droam/` where no route gave it as a path parameter. */
function sourceInPath(path: string | undefined): string | undefined {
  return path === undefined ? undefined : /\/webhooks\/droam\/([^/]+)\/?$/.exec(path)?.[1];
}

function normaliseHeaders(single: unknown, multi: unknown): Map<string, string> {
  const values = new Map<string, string[]>();
  const add = (name: string, value: unknown): void => {
    if (typeof value !== 'string') return;
    const key = name.toLowerCase();
    const list = values.get(key);
    if (list === undefined) values.set(key, [value]);
    else list.push(value);
  };
  // REST API repeats the last value of a repeated header in `headers`; `multiValueHeaders` has them all.
  const multiValued = isDict(multi) ? multi : undefined;
  if (multiValued !== undefined) {
    for (const [name, list] of Object.entries(multiValued)) {
      if (Array.isArray(list)) for (const value of list) add(name, value);
    }
  }
  if (isDict(single)) {
    for (const [name, value] of Object.entries(single)) {
      if (multiValued !== undefined && Object.hasOwn(multiValued, name)) continue;
      add(name, value);
    }
  }
  const headers = new Map<string, string>();
  for (const [name, list] of values) headers.set(name, list.join(','));
  return headers;
}

function decodeBody(body: unknown, isBase64Encoded: boolean): Buffer {
  if (typeof body !== 'string') return Buffer.alloc(0);
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}
