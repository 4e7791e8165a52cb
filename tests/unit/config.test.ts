import { ConfigError } from '../../lib/lambda/config';
import { type Config, loadConfig } from '../../lib/relay/config';
import { DOCUMENTED_SECRET, FIFO_TOPIC_ARN, TEST_SECRET, TOPIC_ARN } from '../support/unit/harness';

/** The environment variables of the contract (docs/operating.md), read once at cold start. */

type Env = Record<string, string | undefined>;

const minimal: Env = { STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET };

/** The ConfigError that loadConfig throws for `env`; fails the test when it throws none, or another error. */
function configErrorOf(env: Env): ConfigError {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${thrown instanceof Error ? thrown.name : 'none'}`);
  return thrown;
}

function problemsOf(env: Env): { problems: readonly string[]; message: string } {
  const error = configErrorOf(env);
  return { problems: error.problems, message: error.message };
}

describe('defaults', () => {
  test('only STAGE, TOPIC_ARN and a secret: auth required, discovery, 300 s skew, source "droam", standard topic', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject<Partial<Config>>({
      stage: 'prod',
      topicArn: TOPIC_ARN,
      fifo: false,
      auth: 'required',
      apiSecrets: [TEST_SECRET],
      timestampHeader: undefined,
      hashHeader: undefined,
      maxSkewSeconds: 300,
      eventSource: 'droam',
      sources: [],
      local: false,
    });
  });

  test.each([
    ['DROAM_AUTH', ''],
    ['DROAM_MAX_SKEW_SECONDS', ''],
    ['EVENT_SOURCE', ''],
    ['DROAM_TIMESTAMP_HEADER', ''],
  ])('an empty %s means its default', (name, value) => {
    const defaults = loadConfig(minimal);
    expect(loadConfig({ ...minimal, [name]: value })).toEqual(defaults);
  });

  test('the process environment of a test run is not consulted: only the given variables count', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
  });
});

describe('STAGE', () => {
  test('is required on a deployed stage, and is local in a local run without one', () => {
    expect(problemsOf({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET }).problems).toEqual([expect.stringContaining('STAGE is required')]);
    expect(loadConfig({ TOPIC_ARN, DROAM_API_SECRETS: DOCUMENTED_SECRET, IS_LOCAL: 'true' }).stage).toBe('local');
  });

  test.each(['prod.eu', 'a b', 'x'.repeat(65), 'stage/1'])('%j is refused: a tag could not name it', (stage) => {
    expect(problemsOf({ ...minimal, STAGE: stage }).problems).toEqual([expect.stringContaining('STAGE must be a stage name')]);
  });
});

describe('TOPIC_ARN', () => {
  test('is required', () => {
    expect(problemsOf({ STAGE: 'prod', DROAM_API_SECRETS: TEST_SECRET }).problems).toEqual([expect.stringContaining('TOPIC_ARN')]);
  });

  test.each([
    ['a queue ARN', 'arn:aws:sqs:us-east-1:123456789012:droam-events'],
    ['a topic name', 'droam-events'],
    ['a short account id', 'arn:aws:sns:us-east-1:1234:droam-events'],
    ['an https URL', 'https://sns.us-east-1.amazonaws.com/123456789012/droam-events'],
  ])('%s is refused', (_label, arn) => {
    expect(problemsOf({ ...minimal, TOPIC_ARN: arn }).problems).toEqual([expect.stringContaining('TOPIC_ARN')]);
  });

  test.each([
    ['a standard topic', TOPIC_ARN, false],
    ['a FIFO topic', FIFO_TOPIC_ARN, true],
    ['a GovCloud FIFO topic', 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:events.fifo', true],
    ['a China topic', 'arn:aws-cn:sns:cn-north-1:123456789012:events', false],
    ['a topic whose name merely contains fifo', 'arn:aws:sns:us-east-1:123456789012:fifo-events', false],
  ])('%s is accepted; FIFO publishing is %s only for a name ending in .fifo', (_label, arn, fifo) => {
    const config = loadConfig({ ...minimal, TOPIC_ARN: arn });
    expect(config.topicArn).toBe(arn);
    expect(config.fifo).toBe(fifo);
  });

  test('surrounding white space is ignored', () => {
    expect(loadConfig({ ...minimal, TOPIC_ARN: `  ${FIFO_TOPIC_ARN}\n` })).toMatchObject({ topicArn: FIFO_TOPIC_ARN, fifo: true });
  });
});

describe('DROAM_API_SECRETS_PARAMETER: a deployed stage names the SSM SecureString instead of giving the secrets', () => {
  const PARAMETER = '/droam-webhook-relay/prod/api-secrets';

  test('is enough on its own; the secrets are read later, at most 300 s old by default', () => {
    const config = loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS_PARAMETER: PARAMETER });
    expect(config.apiSecrets).toEqual([]);
    expect(config.apiSecretsParameter).toEqual({ name: PARAMETER, maxAgeSeconds: 300 });
  });

  test.each([PARAMETER, 'droam-api-secrets', 'arn:aws:ssm:eu-west-1:123456789012:parameter/droam/prod/api-secrets'])('accepts the name or ARN %j', (name) => {
    expect(loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS_PARAMETER: name }).apiSecretsParameter?.name).toBe(name);
  });

  test('refuses what is not a parameter name', () => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS_PARAMETER: '{{resolve:ssm:/x}}' }).problems).toEqual([
      expect.stringContaining('DROAM_API_SECRETS_PARAMETER is not an SSM parameter'),
    ]);
  });

  test('and DROAM_API_SECRETS are exclusive: a stage reads its secrets from one place', () => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, DROAM_API_SECRETS_PARAMETER: PARAMETER }).problems).toEqual([
      expect.stringContaining('exclusive'),
    ]);
  });

  test.each([
    ['1', 1],
    ['3600', 3600],
  ])('DROAM_API_SECRETS_MAX_AGE_SECONDS=%j is the maximum age of a value read', (value, seconds) => {
    const config = loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS_PARAMETER: PARAMETER, DROAM_API_SECRETS_MAX_AGE_SECONDS: value });
    expect(config.apiSecretsParameter?.maxAgeSeconds).toBe(seconds);
  });

  test.each(['0', '3601', '1.5', 'soon', '-5'])('DROAM_API_SECRETS_MAX_AGE_SECONDS=%j is refused', (value) => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS_PARAMETER: PARAMETER, DROAM_API_SECRETS_MAX_AGE_SECONDS: value }).problems).toEqual([
      expect.stringContaining('DROAM_API_SECRETS_MAX_AGE_SECONDS'),
    ]);
  });
});

describe('DROAM_SOURCES: named dRoam sources, each with api secrets of its own', () => {
  const EMEA_SECRET = 'emea-secret-0123456789abcdef';
  const APAC_SECRET = 'apac-secret-0123456789abcdef';

  test('given in the environment: each name with its secrets, several while rotating', () => {
    const config = loadConfig({ ...minimal, DROAM_SOURCES: 'emea, apac', DROAM_SOURCE_API_SECRETS: `emea=${EMEA_SECRET},${TEST_SECRET}; apac=${APAC_SECRET}` });
    expect(config.sources).toEqual([
      { name: 'emea', apiSecrets: [EMEA_SECRET, TEST_SECRET], apiSecretsParameter: undefined },
      { name: 'apac', apiSecrets: [APAC_SECRET], apiSecretsParameter: undefined },
    ]);
  });

  test('on a deployed stage, each from the SSM parameter its name fills in, read as often as the default one', () => {
    const config = loadConfig({
      ...minimal,
      DROAM_SOURCES: 'emea',
      DROAM_SOURCE_API_SECRETS_PARAMETER: '/droam-webhook-relay/prod/sources/{source}/api-secrets',
      DROAM_API_SECRETS_MAX_AGE_SECONDS: '120',
    });
    expect(config.sources).toEqual([
      { name: 'emea', apiSecrets: [], apiSecretsParameter: { name: '/droam-webhook-relay/prod/sources/emea/api-secrets', maxAgeSeconds: 120 } },
    ]);
  });

  test('refuses a name that is not one, the default name, a name twice, a source without secrets, secrets of no source, and a parameter without {source}, never echoing a secret', () => {
    const { problems, message } = problemsOf({
      ...minimal,
      DROAM_SOURCES: 'EMEA,default,apac,apac',
      DROAM_SOURCE_API_SECRETS: `latam=${EMEA_SECRET}`,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'DROAM_SOURCES: "EMEA" is not a source name (lower-case letters, digits and -, at most 32)',
        'DROAM_SOURCES: "default" names the stage\'s default source (/webhooks/droam); give the others',
        'DROAM_SOURCES names a source twice',
        'DROAM_SOURCE_API_SECRETS gives secrets for "latam", which DROAM_SOURCES does not name',
        'source apac has no api secrets: DROAM_SOURCE_API_SECRETS_PARAMETER, or apac=… in DROAM_SOURCE_API_SECRETS',
      ]),
    );
    expect(message).not.toContain(EMEA_SECRET);
    expect(
      problemsOf({ ...minimal, DROAM_SOURCES: 'emea', DROAM_SOURCE_API_SECRETS_PARAMETER: '/droam-webhook-relay/prod/sources/api-secrets' }).problems,
    ).toEqual(["DROAM_SOURCE_API_SECRETS_PARAMETER must hold {source} where the source's name goes"]);
  });

  test("a named source's secrets meet the same rules as the default one's", () => {
    expect(problemsOf({ ...minimal, DROAM_SOURCES: 'emea', DROAM_SOURCE_API_SECRETS: 'emea=short' }).problems).toEqual([
      'DROAM_SOURCE_API_SECRETS for emea entry 1 is shorter than 16 characters',
    ]);
  });
});

describe('DROAM_API_SECRETS and DROAM_AUTH', () => {
  test('several comma-separated secrets are all accepted, trimmed, empty entries ignored', () => {
    const config = loadConfig({ ...minimal, DROAM_API_SECRETS: ` ${TEST_SECRET} ,, second-secret-abcdefghijk , ` });
    expect(config.apiSecrets).toEqual([TEST_SECRET, 'second-secret-abcdefghijk']);
  });

  test('are required while auth is required', () => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN }).problems).toEqual([expect.stringContaining('DROAM_API_SECRETS')]);
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: ' , ' }).problems).toEqual([expect.stringContaining('DROAM_API_SECRETS')]);
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_AUTH: 'required' }).problems).toEqual([expect.stringContaining('DROAM_API_SECRETS')]);
  });

  test.each(['off', 'OFF', ' Off '])('DROAM_AUTH=%j turns auth off and needs no secret', (value) => {
    const config = loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_AUTH: value });
    expect(config.auth).toBe('off');
  });

  test.each(['REQUIRED', 'required'])('DROAM_AUTH=%j requires auth', (value) => {
    expect(loadConfig({ ...minimal, DROAM_AUTH: value }).auth).toBe('required');
  });

  test.each(['false', 'no', 'optional', '0'])('DROAM_AUTH=%j is refused rather than guessed', (value) => {
    expect(problemsOf({ ...minimal, DROAM_AUTH: value }).problems).toEqual([expect.stringContaining('DROAM_AUTH')]);
  });

  test('a secret shorter than 16 characters is refused', () => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: 'short' }).problems).toEqual([expect.stringContaining('DROAM_API_SECRETS')]);
  });

  test('a secret with white space inside is refused', () => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: 'has white space inside it' }).problems).toEqual([
      expect.stringContaining('DROAM_API_SECRETS'),
    ]);
  });
});

describe("the documented example secret (dRoam's public docs)", () => {
  test.each([
    ['alone', DOCUMENTED_SECRET],
    ['among other secrets', `${TEST_SECRET},${DOCUMENTED_SECRET}`],
  ])('is refused on a deployed stage (%s)', (_label, secrets) => {
    expect(problemsOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: secrets }).problems).toEqual([expect.stringContaining('documentation')]);
  });

  test.each([
    ['IS_LOCAL', 'false'],
    ['IS_OFFLINE', 'false'],
    ['IS_LOCAL', ''],
    ['IS_OFFLINE', 'yes'],
  ])('is refused with %s=%j', (name, value) => {
    expect(() => loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: DOCUMENTED_SECRET, [name]: value })).toThrow(ConfigError);
  });

  test.each(['IS_LOCAL', 'IS_OFFLINE'])("is accepted when %s is 'true' (sls invoke local, serverless-offline)", (name) => {
    const config = loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: DOCUMENTED_SECRET, [name]: 'true' });
    expect(config.apiSecrets).toEqual([DOCUMENTED_SECRET]);
    expect(config.local).toBe(true);
  });

  test('does not matter while auth is off', () => {
    expect(loadConfig({ STAGE: 'prod', TOPIC_ARN, DROAM_AUTH: 'off', DROAM_API_SECRETS: DOCUMENTED_SECRET }).auth).toBe('off');
  });
});

describe('DROAM_TIMESTAMP_HEADER and DROAM_HASH_HEADER', () => {
  test('pinned together, stored lower-case (request headers are matched in any case)', () => {
    const config = loadConfig({ ...minimal, DROAM_TIMESTAMP_HEADER: 'X-Droam-Timestamp', DROAM_HASH_HEADER: ' X-DROAM-HASH ' });
    expect(config.timestampHeader).toBe('x-droam-timestamp');
    expect(config.hashHeader).toBe('x-droam-hash');
  });

  test.each([
    ['only the timestamp header', { DROAM_TIMESTAMP_HEADER: 'x-droam-timestamp' }],
    ['only the hash header', { DROAM_HASH_HEADER: 'x-droam-hash' }],
  ])('%s is refused (set both or neither)', (_label, env) => {
    const { problems } = problemsOf({ ...minimal, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/DROAM_TIMESTAMP_HEADER|DROAM_HASH_HEADER/);
  });

  test('the same header for both is refused, whatever the case', () => {
    expect(problemsOf({ ...minimal, DROAM_TIMESTAMP_HEADER: 'x-droam', DROAM_HASH_HEADER: 'X-Droam' }).problems).toHaveLength(1);
  });

  test.each(['x droam', 'x-droam:', 'x-dröam', '(x)'])('%j is not a header name', (name) => {
    const { problems } = problemsOf({ ...minimal, DROAM_TIMESTAMP_HEADER: name, DROAM_HASH_HEADER: 'x-droam-hash' });
    expect(problems.some((problem) => problem.includes('DROAM_TIMESTAMP_HEADER'))).toBe(true);
  });
});

describe('DROAM_MAX_SKEW_SECONDS', () => {
  test.each([
    ['1', 1],
    ['120', 120],
    [' 600 ', 600],
    ['86400', 86_400],
  ])('%j is %d seconds', (value, seconds) => {
    expect(loadConfig({ ...minimal, DROAM_MAX_SKEW_SECONDS: value }).maxSkewSeconds).toBe(seconds);
  });

  test.each(['0', '-5', '1.5', '5m', 'abc', '1e3', '300s'])('%j is refused', (value) => {
    expect(problemsOf({ ...minimal, DROAM_MAX_SKEW_SECONDS: value }).problems).toEqual([expect.stringContaining('DROAM_MAX_SKEW_SECONDS')]);
  });

  test('more than a day (86401) is refused on a deployed stage', () => {
    expect(problemsOf({ ...minimal, DROAM_MAX_SKEW_SECONDS: '86401' }).problems).toEqual([expect.stringContaining('DROAM_MAX_SKEW_SECONDS')]);
  });

  test.each(['IS_LOCAL', 'IS_OFFLINE'])("more than a day is accepted when %s is 'true'", (name) => {
    const tenYears = String(10 * 365 * 86_400);
    expect(loadConfig({ ...minimal, DROAM_MAX_SKEW_SECONDS: tenYears, [name]: 'true' }).maxSkewSeconds).toBe(Number(tenYears));
  });
});

describe('EVENT_SOURCE', () => {
  test.each(['urn:droam:prod', 'https://droam.example.com/push', '/droam/acme'])('%j is used as the CloudEvents source', (source) => {
    expect(loadConfig({ ...minimal, EVENT_SOURCE: source }).eventSource).toBe(source);
  });

  test('a value with white space inside is refused', () => {
    expect(problemsOf({ ...minimal, EVENT_SOURCE: 'droam prod' }).problems).toEqual([expect.stringContaining('EVENT_SOURCE')]);
  });
});

describe('EVENT_TYPES, ALLOWED_SOURCE_CIDRS, QUARANTINE_QUEUE_URL', () => {
  test('EVENT_TYPES: unset publishes every type; a list restricts to those types', () => {
    expect(loadConfig(minimal).eventTypes).toBeUndefined();
    const types = loadConfig({ ...minimal, EVENT_TYPES: ' rule.pool.usage.triggered , company.updated,' }).eventTypes;
    expect(types === undefined ? [] : [...types].sort()).toEqual(['company.updated', 'rule.pool.usage.triggered']);
  });

  test('ALLOWED_SOURCE_CIDRS: addresses and ranges of both families', () => {
    const allowed = loadConfig({ ...minimal, ALLOWED_SOURCE_CIDRS: '203.0.113.0/24, 2001:db8::/32, 198.51.100.7' }).allowedSources;
    expect(allowed?.allows('203.0.113.200')).toBe(true);
    expect(allowed?.allows('198.51.100.7')).toBe(true);
    expect(allowed?.allows('198.51.100.8')).toBe(false);
    expect(allowed?.allows('2001:db8::1')).toBe(true);
    expect(allowed?.allows('::ffff:203.0.113.5')).toBe(true);
    expect(allowed?.allows(undefined)).toBe(false);
  });

  test.each(['203.0.113.0/33', 'not-an-ip', '203.0.113.0/24/1', '10.0.0.0/x'])('ALLOWED_SOURCE_CIDRS entry %j is refused', (entry) => {
    expect(problemsOf({ ...minimal, ALLOWED_SOURCE_CIDRS: entry }).problems).toEqual([expect.stringContaining(entry)]);
  });

  test('QUARANTINE_QUEUE_URL must be a URL', () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-quarantine';
    expect(loadConfig({ ...minimal, QUARANTINE_QUEUE_URL: url }).quarantineQueueUrl).toBe(url);
    expect(problemsOf({ ...minimal, QUARANTINE_QUEUE_URL: 'droam-quarantine' }).problems).toEqual([expect.stringContaining('QUARANTINE_QUEUE_URL')]);
  });

  test('RETRY_QUEUE_URL must be a URL; unset, nothing is queued for retry', () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-publish-retry';
    expect(loadConfig({ ...minimal, RETRY_QUEUE_URL: url }).retryQueueUrl).toBe(url);
    expect(loadConfig(minimal).retryQueueUrl).toBeUndefined();
    expect(problemsOf({ ...minimal, RETRY_QUEUE_URL: 'droam-publish-retry' }).problems).toEqual([expect.stringContaining('RETRY_QUEUE_URL')]);
  });
});

describe('one ConfigError lists every problem', () => {
  const everythingWrong: Env = {
    TOPIC_ARN: 'not-an-arn',
    DROAM_AUTH: 'maybe',
    DROAM_TIMESTAMP_HEADER: 'x-droam-timestamp',
    DROAM_MAX_SKEW_SECONDS: 'soon',
    EVENT_SOURCE: 'two words',
    ALLOWED_SOURCE_CIDRS: '300.1.1.1',
  };

  test('each bad variable is named in its own problem, and the message lists them all', () => {
    const { problems, message } = problemsOf(everythingWrong);
    for (const variable of ['TOPIC_ARN', 'DROAM_AUTH', 'DROAM_TIMESTAMP_HEADER', 'DROAM_MAX_SKEW_SECONDS', 'EVENT_SOURCE', 'ALLOWED_SOURCE_CIDRS']) {
      expect(problems.filter((problem) => problem.includes(variable)).length).toBeGreaterThanOrEqual(1);
      expect(message).toContain(variable);
    }
    expect(problems.length).toBeGreaterThanOrEqual(6);
    for (const problem of problems) expect(message).toContain(problem);
  });

  test('it is an Error named ConfigError', () => {
    expect(() => loadConfig(everythingWrong)).toThrow(expect.objectContaining({ name: 'ConfigError' }) as Error);
  });
});

describe('secret values never appear in an error', () => {
  const secrets = ['tooshort', 'zebra quokka narwhal', DOCUMENTED_SECRET, 'a-perfectly-good-secret-value-1'];

  test('short, white-space and documented secrets are reported by position, not by value', () => {
    const { problems, message } = problemsOf({ STAGE: 'prod', TOPIC_ARN: 'nope', DROAM_API_SECRETS: secrets.join(','), DROAM_MAX_SKEW_SECONDS: '0' });
    expect(problems.length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) {
      expect(message).not.toContain(secret);
      for (const word of secret.split(' ')) if (word.length >= 5) expect(message).not.toContain(word);
    }
    expect(message).toMatch(/entry 1/);
    expect(message).toMatch(/entry 2/);
  });

  test('nor in the stack or the string form of the error', () => {
    const error = configErrorOf({ STAGE: 'prod', TOPIC_ARN, DROAM_API_SECRETS: secrets.join(',') });
    const text = `${String(error)} ${error.stack ?? ''} ${JSON.stringify(error)}`;
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
