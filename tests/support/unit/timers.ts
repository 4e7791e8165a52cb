import { createHook } from 'node:async_hooks';

/**
 * Tracks timers (unref'd ones included, which `process.getActiveResourcesInfo()`
 * leaves out) while the describe block that calls it runs. `leftBy(work)` runs
 * `work` and answers how many of the timers it started are still pending once
 * it is done: timers started by anything else do not count.
 */
export function trackTimers(): { leftBy: (work: () => Promise<unknown>) => Promise<number> } {
  const pending = new Set<number>();
  let recording: Set<number> | undefined;
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      pending.add(asyncId);
      recording?.add(asyncId);
    },
    destroy(asyncId) {
      pending.delete(asyncId);
    },
  });
  beforeAll(() => hook.enable());
  afterAll(() => hook.disable());
  // Node reports destroyed resources in batches after the current task; let a batch go by first.
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    leftBy: async (work) => {
      const started = new Set<number>();
      recording = started;
      try {
        await work();
      } finally {
        recording = undefined;
      }
      await settle();
      await settle();
      return [...started].filter((id) => pending.has(id)).length;
    },
  };
}
