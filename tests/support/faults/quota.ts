/**
 * SNS's Publish quota in front of the emulator: a chooser for the fault proxy (./proxy.ts) that answers
 * SNS's own throttling error (400 `Throttling`, "Rate exceeded", in the query protocol the SNS client
 * speaks) to a Publish or PublishBatch over `perSecond` messages a second, and passes the rest on. Every
 * message counts, a PublishBatch's each one as SNS counts them: a call whose messages do not all fit is
 * refused whole. A token bucket holding at most a second's worth (at least a full batch of ten).
 */
import type { FaultChooser } from './proxy';

export interface SnsQuota {
  readonly choose: FaultChooser;
  /** Calls refused, and messages they carried, by SNS action. */
  readonly throttled: Readonly<Record<string, { calls: number; messages: number }>>;
}

export function snsQuota(perSecond: number, now: () => number = () => performance.now()): SnsQuota {
  const capacity = Math.max(perSecond, 10);
  let tokens = capacity;
  let last = now();
  const throttled: Record<string, { calls: number; messages: number }> = {};
  return {
    throttled,
    choose: (request) => {
      if (request.messages === 0) return 'pass';
      const at = now();
      tokens = Math.min(capacity, tokens + ((at - last) / 1000) * perSecond);
      last = at;
      if (tokens >= request.messages) {
        tokens -= request.messages;
        return 'pass';
      }
      const count = (throttled[request.action ?? 'unknown'] ??= { calls: 0, messages: 0 });
      count.calls++;
      count.messages += request.messages;
      return 'throttling';
    },
  };
}
