import { createHook } from 'node:async_hooks';

/**
 * Counts the timers created and not yet fired or cleared, unref'd ones included
 * (which `process.getActiveResourcesInfo()` leaves out), from the moment the
 * describe block starts until it ends.
 */
export function trackTimers(): { live: () => Promise<number> } {
  const live = new Set<number>();
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout') live.add(asyncId);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  beforeAll(() => hook.enable());
  afterAll(() => hook.disable());
  // Node reports destroyed resources in batches after the current task; let a batch go by first.
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    live: async () => {
      await settle();
      await settle();
      return live.size;
    },
  };
}
