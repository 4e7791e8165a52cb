// @ts-check
/**
 * The stage params that CloudFormation or the functions read as numbers or switches, checked when the
 * Framework resolves the stack (`sls package`, `deploy`, and the local commands): a value given with
 * `--param` is a string, and a wrong one (`throttlingRateLimit=fast`, a retention CloudWatch does not
 * offer) would otherwise pass packaging and fail the deploy, or the function's first cold start. Every
 * problem is listed at once, before any call to AWS. The fragment itself adds nothing to the stack.
 *
 * A deployed stage names the IAM role its operator acts with (operatorRoleArn): only that role may encrypt
 * with the api secrets' key, so without one nobody can put the api secret and every request is answered
 * 503; and only that role may move messages back from the dead-letter queues. Packaging such a stage
 * (`sls package`, and `sls deploy`, which packages) without one stops here; the commands that only read
 * a deployed stack (info, logs, remove) need no such param.
 */

/**
 * Where the params are checked: on the local stage or a deployed one, whether the command builds the
 * stack's template (package, deploy) or only reads a deployed one, and the Region it builds for.
 * @typedef {{ local: boolean, packaging?: boolean, region?: string }} Context
 */

/**
 * A rule: undefined when the text is acceptable, else what it must be.
 * @typedef {(text: string, context: Context) => string | undefined} Rule
 */

/** @param {number} min @param {number} [max] @returns {Rule} */
const wholeNumber = (min, max) => (text) => {
  const value = Number(text);
  const ok = /^\d+$/.test(text) && Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max);
  return ok ? undefined : `a whole number from ${min}${max === undefined ? ' up' : ` to ${max}`}`;
};

/** @param {number} min @param {number} max @returns {Rule} */
const decimal = (min, max) => (text) => {
  const value = Number(text);
  return /^\d+(\.\d+)?$/.test(text) && value >= min && value <= max ? undefined : `a number from ${min} to ${max}`;
};

/** @param {readonly string[]} values @returns {Rule} */
const oneOf = (values) => (text) => (values.includes(text) ? undefined : `one of ${values.join(', ')}`);

/** @type {Rule} */
const trueOrFalse = (text) => (text === 'true' || text === 'false' ? undefined : 'true or false');

/** The retention periods CloudWatch Logs offers (PutRetentionPolicy), in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The most an SQS queue keeps a message: 14 days. */
const SQS_MAX_RETENTION_DAYS = 14;

/** An IAM role's ARN, in any partition. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** A Lambda layer version's ARN, in any partition: its Region and the layer's name. */
const LAYER_VERSION_ARN = /^arn:aws[a-z-]*:lambda:(?<region>[a-z0-9-]+):\d{12}:layer:(?<name>[A-Za-z0-9_-]{1,140}):\d{1,8}$/;

/** The AWS Parameters and Secrets Lambda Extension's layer for arm64, the functions' architecture (serverless.yml). */
const SECRETS_EXTENSION_ARM64_LAYER = 'AWS-Parameters-and-Secrets-Lambda-Extension-Arm64';

/** Where AWS lists the extension's layer ARN for each Region and architecture. */
const SECRETS_EXTENSION_ARNS_PAGE =
  'AWS\'s page "AWS Parameters and Secrets Lambda Extension ARNs" (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html)';

/**
 * A function takes layers of its own Region only, so another Region's ARN would fail the deploy late, in
 * CloudFormation; and the x86_64 extension does not run on the functions' arm64, so it would leave every
 * read of the api secrets failing. Both are refused here. The Region is checked when the stack is built for
 * one (package, deploy), not when a deployed stack is only read.
 * @type {Rule}
 */
const secretsExtensionLayer = (text, { local, packaging, region }) => {
  const building = packaging === true && !local ? region : undefined;
  const where = building === undefined ? "the stage's Region" : `the stage's Region, ${building}`;
  const must = `the ARN of a version of the layer ${SECRETS_EXTENSION_ARM64_LAYER} in ${where}, as ${SECRETS_EXTENSION_ARNS_PAGE} lists it`;
  const arn = LAYER_VERSION_ARN.exec(text)?.groups;
  if (arn === undefined) return must;
  if (arn.name !== SECRETS_EXTENSION_ARM64_LAYER) return `${must} (the functions are arm64; ${arn.name} is not that layer)`;
  if (building !== undefined && arn.region !== building) return `${must} (this one is ${arn.region}'s)`;
  return undefined;
};

/** @type {Rule} */
const operatorRole = (text, { local, packaging }) => {
  if (text === '' && (local || packaging !== true)) return undefined;
  if (ROLE_ARN.test(text)) return undefined;
  return (
    "the ARN of the IAM role the stage's operator acts with, e.g. arn:aws:iam::123456789012:role/relay-operator: " +
    'the one principal that may put the api secret and move messages back from the dead-letter queues (docs/operating.md)'
  );
};

/** Each checked param (serverless.yml `params`) and its rule. @type {Readonly<Record<string, Rule>>} */
const RULES = {
  fifoTopic: trueOrFalse,
  tracing: trueOrFalse,
  archive: trueOrFalse,
  metricsByEventType: trueOrFalse,
  apiSecretsMaxAgeSeconds: wholeNumber(1, 3600),
  // The function accepts more only locally (IS_LOCAL/IS_OFFLINE), for the committed samples.
  maxSkewSeconds: (text, { local }) => wholeNumber(1, local ? Number.MAX_SAFE_INTEGER : 86_400)(text, { local }),
  logRetentionInDays: (text) =>
    LOG_RETENTION_DAYS.map(String).includes(text) ? undefined : `one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  unauthorizedAlarmThreshold: wholeNumber(1),
  throttlingRateLimit: decimal(1, 1_000_000),
  throttlingBurstLimit: wholeNumber(0, 1_000_000),
  throttledAlarmThreshold: wholeNumber(0),
  retryQueueAgeAlarmSeconds: wholeNumber(60, 1_209_600),
  retryPublishSharePercent: wholeNumber(1, 100),
  // SQS's bounds of an event source mapping's MaximumConcurrency.
  retryDrainerMaximumConcurrency: wholeNumber(2, 1000),
  // A day before SQS's 14-day retention at the latest: the alarm has to come while the message can still be moved back.
  deadLetterAgeAlarmSeconds: wholeNumber(60, 1_123_200),
  durationAlarmPercent: wholeNumber(1, 100),
  quarantineRetentionDays: wholeNumber(1, SQS_MAX_RETENTION_DAYS),
  archiveRetentionDays: wholeNumber(0),
  reservedConcurrency: wholeNumber(0),
  // Where the webhooks come in: the HTTP API's stage, or the webhook's Lambda function URL (infra/ingress.js).
  ingress: oneOf(['httpApi', 'functionUrl']),
  operatorRoleArn: operatorRole,
  secretsExtensionLayerArn: secretsExtensionLayer,
};

/**
 * Params that are each acceptable but not together, and the params they read besides RULES'.
 * @type {readonly ((params: Readonly<Record<string, string>>) => string | undefined)[]}
 */
const TOGETHER = [
  ({ ingress, domainName }) =>
    ingress === 'functionUrl' && domainName !== undefined && domainName !== ''
      ? 'domainName is a custom domain of the HTTP API, which ingress=functionUrl does not create: leave it empty, and put CloudFront in front of the function URL for a domain of your own (docs/operating.md)'
      : undefined,
];
const READ_TOGETHER = ['domainName'];

/**
 * What is wrong with the given params, one line each; params not given (reservedConcurrency) are left out.
 * @param {Readonly<Record<string, unknown>>} params @param {Context} context
 * @returns {string[]}
 */
function paramProblems(params, context) {
  /** @type {Record<string, string>} */
  const texts = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null) texts[name] = String(value).trim();
  const each = Object.entries(RULES).flatMap(([name, rule]) => {
    const text = texts[name];
    const must = text === undefined ? undefined : rule(text, context);
    return must === undefined ? [] : [`${name} must be ${must}, not "${String(params[name])}"`];
  });
  return [...each, ...TOGETHER.flatMap((problem) => problem(texts) ?? [])];
}

/**
 * An error for the Framework to print: it prints a resolver's error with its stack, which says nothing here.
 * @param {string} message
 */
function failure(message) {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/**
 * One param, checked: for a module that builds with it (infra/ingress.js).
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework @param {string} name
 * @returns {Promise<string>}
 */
async function checkedParam({ resolveVariable }, name) {
  const value = await resolveVariable(`param:${name}`);
  const problems = paramProblems({ [name]: value }, { local: false });
  if (problems.length > 0) throw failure(`Invalid stage param: ${problems.join('; ')}`);
  return String(value).trim();
}

/**
 * One param, checked, as a number: for a module that computes with it (infra/quarantine.js).
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework @param {string} name
 * @returns {Promise<number>}
 */
async function numericParam(framework, name) {
  return Number(await checkedParam(framework, name));
}

/**
 * @param {{ resolveVariable: (variable: string) => Promise<unknown>, options: Readonly<Record<string, unknown>> }} framework
 * @returns {Promise<import('./shapes').Fragment>}
 */
module.exports = async ({ resolveVariable, options }) => {
  /** @type {Record<string, unknown>} */
  const params = {};
  // Resolved one by one, never caught: the Framework throws to say a variable is not resolvable yet, and calls again later.
  // A param without a default (reservedConcurrency) resolves to null when not given.
  for (const name of [...Object.keys(RULES), ...READ_TOGETHER]) params[name] = await resolveVariable(`param:${name}, null`);
  const local = String(await resolveVariable('sls:stage')) === 'local';
  // The Framework gives a file's function the options the command takes, not the command: only package and
  // deploy, the commands that build the template, take --package.
  const packaging = 'package' in (options ?? {});
  const region = String(await resolveVariable('self:provider.region'));
  const problems = paramProblems(params, { local, packaging, region });
  if (problems.length > 0) throw failure(`Invalid stage params (serverless.yml params, or --param):\n  - ${problems.join('\n  - ')}`);
  return {};
};
module.exports.paramProblems = paramProblems;
module.exports.numericParam = numericParam;
module.exports.checkedParam = checkedParam;
module.exports.failure = failure;
module.exports.RULES = RULES;
