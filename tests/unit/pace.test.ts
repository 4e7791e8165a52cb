/** The drainer's pace: calls of n messages held back so that an instance never passes its rate. */
import { pace } from '../../lib/queues/pace';

function fakeClock() {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    advance: (ms: number) => {
      now += ms;
    },
    clock: {
      now: () => now,
      sleep: (ms: number) => {
        waits.push(ms);
        return Promise.resolve();
      },
    },
  };
}

test('the first call goes at once; each holds the next back by its messages over the rate', async () => {
  const { clock, waits } = fakeClock();
  const take = pace(10, clock);
  await take(10);
  await take(10);
  await take(5);
  expect(waits).toEqual([1000, 2000]);
});

test('calls made together are spaced in the order they are made', async () => {
  const { clock, waits } = fakeClock();
  const take = pace(20, clock);
  await Promise.all([take(10), take(10), take(10)]);
  expect(waits).toEqual([500, 1000]);
});

test('after a pause longer than the last call needed, the next goes at once', async () => {
  const { clock, waits, advance } = fakeClock();
  const take = pace(10, clock);
  await take(10);
  advance(1500);
  await take(10);
  expect(waits).toEqual([]);
});

test('over a long run an instance sends its rate, no more', async () => {
  const { clock, advance } = fakeClock();
  // A sleep moves the clock on, as the instance waits.
  const take = pace(15, {
    now: clock.now,
    sleep: (ms: number) => {
      advance(ms);
      return Promise.resolve();
    },
  });
  for (let call = 0; call < 100; call++) await take(10);
  // 100 calls of ten: the last starts once the first 99 have had their time, 990 messages at 15 a second.
  expect(clock.now()).toBeCloseTo((990 / 15) * 1000, 6);
});
