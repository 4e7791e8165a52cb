// @ts-check
/**
 * The stage's poolUsageAlertKb as the number SNS's numeric filter takes. A `--param` value is a string,
 * which SNS refuses in a numeric filter only when the stack is deployed; here any value that is not a
 * whole number of KB in the range SNS matches numerically (up to 10^9) stops the packaging instead.
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework
 */
module.exports = async ({ resolveVariable }) => {
  const value = await resolveVariable('param:poolUsageAlertKb');
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) > 1e9) {
    const error = new Error(`poolUsageAlertKb must be a whole number of KB from 0 to 1000000000 (SNS's numeric filter range), not "${String(value)}"`);
    // The Framework prints a resolver's error with its stack, which says nothing here.
    error.stack = error.message;
    throw error;
  }
  return { poolUsageAlertKb: Number(text) };
};
