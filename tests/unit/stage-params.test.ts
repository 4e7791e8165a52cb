/**
 * The stage params that CloudFormation or the functions read as numbers or switches are checked when
 * the stack is resolved (infra/params.js): serverless.yml's own values pass, and a wrong one is named.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import params from '../../infra/params';

const serverless = YAML.parse(readFileSync(path.join(__dirname, '..', '..', 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
  params: { default: Record<string, unknown>; local: Record<string, unknown> };
};

describe('the stage params checked at package time', () => {
  it('cover every param serverless.yml gives as a number or a true/false switch', () => {
    const typed = Object.entries(serverless.params.default)
      .filter(([, value]) => typeof value === 'number' || typeof value === 'boolean')
      .map(([name]) => name);
    expect(typed.filter((name) => !(name in params.RULES))).toEqual([]);
  });

  it("pass serverless.yml's own values, the local stage's included", () => {
    expect(params.paramProblems(serverless.params.default, { local: false })).toEqual([]);
    expect(params.paramProblems({ ...serverless.params.default, ...serverless.params.local }, { local: true })).toEqual([]);
  });

  it.each([
    ['throttlingRateLimit', 'fast', 'a number from 1 to 1000000'],
    ['throttlingBurstLimit', '1.5', 'a whole number from 0 to 1000000'],
    ['logRetentionInDays', '31', "one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30"],
    ['quarantineRetentionDays', '15', 'a whole number from 1 to 14'],
    ['durationAlarmPercent', '0', 'a whole number from 1 to 100'],
    ['maxSkewSeconds', '86401', 'a whole number from 1 to 86400'],
    ['apiSecretsMaxAgeSeconds', '', 'a whole number from 1 to 3600'],
    ['fifoTopic', 'yes', 'true or false'],
    ['ingress', 'restApi', 'one of httpApi, functionUrl'],
    ['deadLetterAgeAlarmSeconds', '1209600', 'a whole number from 60 to 1123200'],
    ['operatorRoleArn', 'relay-operator', "the ARN of the IAM role the stage's operator acts with"],
    ['secretsExtensionLayerArn', 'AWS-Parameters-and-Secrets-Lambda-Extension', 'the ARN of a version of the AWS Parameters and Secrets Lambda Extension'],
  ])('refuses %s=%s, saying what it must be', (name, value, must) => {
    expect(params.paramProblems({ [name]: value }, { local: false })).toEqual([expect.stringContaining(`${name} must be ${must}`)]);
  });

  it('accepts a skew above a day on the local stage only, and takes strings as --param gives them', () => {
    expect(params.paramProblems({ maxSkewSeconds: '315360000' }, { local: true })).toEqual([]);
    expect(
      params.paramProblems({ throttlingRateLimit: '250.5', quarantineRetentionDays: '1', archive: 'true', reservedConcurrency: null }, { local: false }),
    ).toEqual([]);
  });

  it('refuses a custom domain with ingress=functionUrl, which has no HTTP API to map it to, and takes either alone', () => {
    expect(params.paramProblems({ ingress: 'functionUrl', domainName: 'hooks.example.com' }, { local: false })).toEqual([
      expect.stringContaining('domainName is a custom domain of the HTTP API, which ingress=functionUrl does not create'),
    ]);
    expect(params.paramProblems({ ingress: 'functionUrl', domainName: '' }, { local: false })).toEqual([]);
    expect(params.paramProblems({ ingress: 'httpApi', domainName: 'hooks.example.com' }, { local: false })).toEqual([]);
  });

  it('require an operator role when a deployed stage is packaged or deployed, not when its stack is only read (info, logs, remove)', () => {
    const role = 'arn:aws:iam::123456789012:role/relay-operator';
    expect(params.paramProblems({ operatorRoleArn: '' }, { local: false, packaging: true })).toEqual([
      expect.stringMatching(/^operatorRoleArn must be the ARN of the IAM role the stage's operator acts with.*, not ""$/),
    ]);
    expect(params.paramProblems({ operatorRoleArn: role }, { local: false, packaging: true })).toEqual([]);
    expect(params.paramProblems({ operatorRoleArn: '' }, { local: false, packaging: false })).toEqual([]);
    expect(params.paramProblems({ operatorRoleArn: '' }, { local: true, packaging: true })).toEqual([]);
  });
});
