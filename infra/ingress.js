// @ts-check
/**
 * Where dRoam's webhooks come in (param `ingress`). `httpApi`: an HTTP API stage, with its throttle, its access
 * log and a custom domain. `functionUrl`: a Lambda function URL of the webhook, which has no request charge and
 * draws on no API Gateway quota, and whose throttle is the function's reserved concurrency. serverless.yml takes
 * the webhook's events, url and reservedConcurrency from here; infra/webhook.js, domain.js and dashboard.js build
 * what each mode has.
 */
const { checkedParam } = require('./params');

/** @typedef {'httpApi' | 'functionUrl'} Ingress */
/** @typedef {{ resolveVariable: (variable: string) => Promise<unknown> }} Framework */

/** @param {Framework} framework @returns {Promise<Ingress>} */
async function ingressOf(framework) {
  return (await checkedParam(framework, 'ingress')) === 'functionUrl' ? 'functionUrl' : 'httpApi';
}

/** The HTTP API's routes: the default source's path, and a named source's (param `sources`); a name the stage does not have is answered 404. */
const HTTP_API_EVENTS = [{ httpApi: { method: 'POST', path: '/webhooks/droam' } }, { httpApi: { method: 'POST', path: '/webhooks/droam/{source}' } }];

/**
 * The webhook's reserved concurrency under a function URL when the stage gives none: the only bound on how many
 * requests run at once, and so on what a flood costs. At the 25 ms a warm request takes (the cost model's), 200
 * instances answer about 8,000 webhooks a second; the account's default 1,000 keeps 800 for its other functions
 * (Lambda requires 100 unreserved). `npm run capacity -- --ingress functionUrl` shows what a burst needs.
 */
const FUNCTION_URL_RESERVED_CONCURRENCY = 200;

/**
 * The webhook function's settings for the stage's ingress. Under a function URL (auth type NONE: dRoam
 * authenticates with its own headers) the function has no events and reads its path itself.
 * @param {Framework} framework
 */
module.exports = async (framework) => {
  const ingress = await ingressOf(framework);
  // Checked by infra/params.js; unset is null.
  const reserved = await framework.resolveVariable('param:reservedConcurrency, null');
  return {
    events: ingress === 'httpApi' ? HTTP_API_EVENTS : [],
    url: ingress === 'functionUrl',
    reservedConcurrency: reserved !== null ? Number(reserved) : ingress === 'functionUrl' ? FUNCTION_URL_RESERVED_CONCURRENCY : null,
  };
};
module.exports.ingressOf = ingressOf;
module.exports.FUNCTION_URL_RESERVED_CONCURRENCY = FUNCTION_URL_RESERVED_CONCURRENCY;
