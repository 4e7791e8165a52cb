import type { Outcome } from './outcome';

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

export function toHttpResponse(outcome: Outcome): HttpResponse {
  switch (outcome.outcome) {
    case 'echo':
      return { statusCode: 200, headers: JSON_HEADERS, body: outcome.body, isBase64Encoded: false };
    case 'published':
      return json(200, { id: outcome.id, message_id: outcome.messageId });
    case 'skipped':
      return json(200, { skipped: true, type: outcome.type, message: 'This stage does not publish this event type' });
    case 'rejected': {
      const body = {
        error: outcome.code,
        message: outcome.message,
        ...(outcome.issues === undefined ? {} : { issues: outcome.issues }),
      };
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (outcome.retryAfterSeconds !== undefined) headers['retry-after'] = String(outcome.retryAfterSeconds);
      if (outcome.status === 405) headers.allow = 'POST';
      return { statusCode: outcome.status, headers, body: JSON.stringify(body), isBase64Encoded: false };
    }
  }
}

function json(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body), isBase64Encoded: false };
}
