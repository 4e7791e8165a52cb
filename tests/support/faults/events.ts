/** Distinct, signed pool usage events for the fault tests. */
import { editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../integration/events';
import { TEST_SECRET } from '../integration/relay';

const template = loadEvent('pool-usage.json');
const templatePayload = payloadOf(template);

/** A pool uuid made from a number: the same number, the same uuid. */
export function poolUuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0').slice(-12);
  return `7d3e9b12-4a6f-4c8e-b1d2-${hex}`;
}

/**
 * The n-th event of a run: its own pool uuid and usage (so its own CloudEvent id),
 * its own API Gateway request id (so its log line can be found), signed now.
 */
export function poolEvent(n: number, options: { run?: string; usageKb?: number } = {}): SampleEvent & { readonly requestId: string } {
  const payload = editPayload(templatePayload, (p) => {
    p.data.pool.uuid = poolUuid(n);
    p.data.pool.current_usage_kb = options.usageKb ?? 1_000_000 + n;
  });
  const requestId = `${options.run ?? 'faults'}-${n}`;
  const event = signed(withPayload(template, payload), TEST_SECRET);
  const context = event.requestContext as Record<string, unknown>;
  return { ...event, requestContext: { ...context, requestId }, requestId };
}
