/** What every publish failure a retry can mend must look like, to the sender and in the log. */
import type { FaultRelayResponse, SinkLine } from './relay';

/** API Gateway gives up at 29 s; the relay promises an answer within 10 s. */
export const ANSWER_LIMIT_MS = 10_000;

export function expectPublishFailed(response: FaultRelayResponse, lines: readonly SinkLine[], sdkError: RegExp, deadlineMs: number): void {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(response.json).toEqual({ error: 'publish_failed', message: expect.any(String) as unknown });
  // Nothing about the failure reaches the caller.
  expect(response.body).not.toMatch(/Error|Exception|127\.0\.0\.1|arn:aws/);
  expect(response.elapsedMs).toBeLessThan(Math.min(ANSWER_LIMIT_MS, deadlineMs + 500));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'error', attributes: { status: 503, error: 'publish_failed' } });
  expect(String(lines[0]?.attributes.detail)).toMatch(sdkError);
}
