/**
 * A pace of so many messages a second, for one instance of a function: `take(n)` resolves once n more
 * messages may go without the instance passing its rate. The first call goes at once; each call then holds
 * the next one back by n / rate seconds. Calls are spaced in the order they are made, so calls made together
 * are spread out rather than sent in a bunch.
 */
export type Pace = (messages: number) => Promise<void>;

export interface PaceClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export function pace(perSecond: number, clock: PaceClock): Pace {
  let nextAt = Number.NEGATIVE_INFINITY;
  return async (messages) => {
    const now = clock.now();
    const at = Math.max(now, nextAt);
    nextAt = at + (messages / perSecond) * 1000;
    if (at > now) await clock.sleep(at - now);
  };
}
