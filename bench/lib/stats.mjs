// @ts-check
/** Small statistics helpers for the harness. */

/** @param {number[]} values @param {number} q 0..1, linear interpolation between closest ranks */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = /** @type {number} */ (sorted[lower]);
  const b = /** @type {number} */ (sorted[upper]);
  return a + (b - a) * (position - lower);
}

/** Median and spread of a sample. @param {number[]} values */
export function describe(values) {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    min: values.length === 0 ? NaN : Math.min(...values),
    max: values.length === 0 ? NaN : Math.max(...values),
  };
}

/** Least-squares slope of y over x. @param {number[]} x @param {number[]} y */
export function slope(x, y) {
  const n = Math.min(x.length, y.length);
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += /** @type {number} */ (x[i]);
    sy += /** @type {number} */ (y[i]);
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = /** @type {number} */ (x[i]) - mx;
    num += dx * /** @type {number} */ (y[i] - my);
    den += dx * dx;
  }
  return den === 0 ? NaN : num / den;
}

/** @param {T[]} items @param {number} by @template T */
export const rotate = (items, by) => items.map((_, i) => /** @type {T} */ (items[(i + by) % items.length]));

export const round = (/** @type {number} */ value, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);
