import type { Outcome } from './outcome';

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

/** No error answer is longer than this many bytes: issues beyond it are left out (the log line has them). */
export const MAX_ERROR_BODY_BYTES = 4096;

export function toHttpResponse(outcome: Outcome): HttpResponse {
  switch (outcome.outcome) {
    case 'echo':
      return { statusCode: 200, headers: JSON_HEADERS, body: outcome.body, isBase64Encoded: false };
    case 'published':
      return json(200, { id: outcome.id, message_id: outcome.messageId });
    case 'queued':
      // Accepted for good: the relay, not dRoam, now owes the publish.
      return json(200, { id: outcome.id, queued: true, message: 'Accepted; the event waits in the publish-retry queue and will be published with this id' });
    case 'skipped':
      return json(200, { skipped: true, type: outcome.type, message: 'This stage does not publish this event type' });
    case 'rejected': {
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (outcome.retryAfterSeconds !== undefined) headers['retry-after'] = String(outcome.retryAfterSeconds);
      if (outcome.status === 405) headers.allow = 'POST';
      return { statusCode: outcome.status, headers, body: errorBody(outcome), isBase64Encoded: false };
    }
  }
}

function json(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body), isBase64Encoded: false };
}

/** `{error, message, issues?, quarantined?}`, with as many issues as fit in MAX_ERROR_BODY_BYTES (issues are already cut short: lib/contract/declare.ts). */
function errorBody(outcome: Extract<Outcome, { outcome: 'rejected' }>): string {
  const issues = [...(outcome.issues ?? [])];
  for (;;) {
    const body = JSON.stringify({
      error: outcome.code,
      message: outcome.message,
      ...(outcome.issues === undefined ? {} : { issues }),
      ...(outcome.quarantined === true ? { quarantined: true } : {}),
    });
    if (Buffer.byteLength(body) <= MAX_ERROR_BODY_BYTES || issues.length === 0) return body;
    issues.pop();
  }
}
