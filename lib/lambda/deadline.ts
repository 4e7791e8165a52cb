/** What a call under `withDeadline` rejects with when its deadline passes first. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  constructor(readonly deadlineMs: number) {
    super(`no answer within ${String(deadlineMs)} ms`);
  }
}

/**
 * Runs `task` and settles within `deadlineMs` whatever the task does: when the deadline passes,
 * the promise rejects with `DeadlineExceeded` and the signal given to the task is aborted (so an
 * AWS SDK call closes its connection and stops retrying), even if the task ignores that signal.
 *
 * One timer per call, cleared as soon as the task settles: nothing outlives the call.
 * `AbortSignal.timeout()` would leave a timer, a weak reference and a finalizer behind for the
 * whole deadline, piling up on a warm instance that answers faster than its deadline.
 */
export async function withDeadline<T>(deadlineMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const exceeded = new DeadlineExceeded(deadlineMs);
      // Rejected before the abort, so the race settles with the deadline rather than with the task's abort error.
      reject(exceeded);
      controller.abort(exceeded);
    }, deadlineMs);
  });
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
