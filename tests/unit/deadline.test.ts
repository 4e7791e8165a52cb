import { DeadlineExceeded, withDeadline } from '../../lib/lambda/deadline';
import { trackTimers } from '../support/unit/timers';

const timers = trackTimers();

describe('withDeadline', () => {
  test("settles with the task's value, and leaves no timer behind", async () => {
    const left = await timers.leftBy(async () => {
      await expect(withDeadline(60_000, () => Promise.resolve('answer'))).resolves.toBe('answer');
    });
    expect(left).toBe(0);
  });

  test("settles with the task's error, and leaves no timer behind", async () => {
    const left = await timers.leftBy(async () => {
      await expect(withDeadline(60_000, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    });
    expect(left).toBe(0);
  });

  test('a task that throws before returning a promise is a rejection, not a throw', async () => {
    await expect(
      withDeadline(60_000, () => {
        throw new TypeError('bad input');
      }),
    ).rejects.toThrow(TypeError);
  });

  test('a task that ignores its signal and never settles: rejects with DeadlineExceeded at the deadline', async () => {
    const started = Date.now();
    const error: unknown = await withDeadline(100, () => new Promise<never>(() => undefined)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeadlineExceeded);
    expect((error as DeadlineExceeded).deadlineMs).toBe(100);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
  });

  test('at the deadline the signal is aborted, and the deadline, not the abort, is what the caller sees', async () => {
    let signal: AbortSignal | undefined;
    const task = (given: AbortSignal) =>
      new Promise<never>((_, reject) => {
        signal = given;
        given.addEventListener('abort', () => {
          reject(new Error('aborted by the signal'));
        });
      });
    await expect(withDeadline(50, task)).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(DeadlineExceeded);
  });

  test('a task that settles in time never sees its signal aborted', async () => {
    let signal: AbortSignal | undefined;
    await withDeadline(50, (given) => {
      signal = given;
      return Promise.resolve();
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(signal?.aborted).toBe(false);
  });

  test('thousands of calls that answer in time leave nothing pending (a warm instance does not pile up timers)', async () => {
    const left = await timers.leftBy(async () => {
      for (let i = 0; i < 5_000; i++) await withDeadline(7_000, () => Promise.resolve(i));
    });
    expect(left).toBe(0);
  });
});

describe('why withDeadline and not AbortSignal.timeout', () => {
  test('AbortSignal.timeout leaves its timer pending until the deadline, however early the call ends (what the test above rules out)', async () => {
    const left = await timers.leftBy(() => {
      for (let i = 0; i < 100; i++) AbortSignal.timeout(7_000);
      return Promise.resolve();
    });
    expect(left).toBe(100);
  });
});
