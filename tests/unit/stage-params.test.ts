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
    [
      'secretsExtensionLayerArn',
      'AWS-Parameters-and-Secrets-Lambda-Extension-Arm64',
      'the ARN of a version of the layer AWS-Parameters-and-Secrets-Lambda-Extension-Arm64',
    ],
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

  describe("the Parameters and Secrets extension's layer", () => {
    const layer = (region: string, account: string, name: string, version = 12): string =>
      `arn:aws:lambda:${region}:${account}:layer:${name}:${String(version)}`;
    const US_EAST_1 = layer('us-east-1', '177933569100', 'AWS-Parameters-and-Secrets-Lambda-Extension-Arm64');
    const EU_CENTRAL_1 = layer('eu-central-1', '187925254637', 'AWS-Parameters-and-Secrets-Lambda-Extension-Arm64');
    const packagingFor = (region: string): { local: boolean; packaging: boolean; region: string } => ({ local: false, packaging: true, region });

    it("is serverless.yml's default, us-east-1's arm64 layer, which a stage packaged for us-east-1 takes", () => {
      expect(serverless.params.default.secretsExtensionLayerArn).toBe(US_EAST_1);
      expect(params.paramProblems({ secretsExtensionLayerArn: US_EAST_1 }, packagingFor('us-east-1'))).toEqual([]);
      expect(params.paramProblems({ secretsExtensionLayerArn: EU_CENTRAL_1 }, packagingFor('eu-central-1'))).toEqual([]);
    });

    it("is refused when packaged or deployed for another Region than the layer's, naming the stage's Region and AWS's page of ARNs", () => {
      expect(params.paramProblems({ secretsExtensionLayerArn: US_EAST_1 }, packagingFor('eu-central-1'))).toEqual([
        expect.stringMatching(
          /^secretsExtensionLayerArn must be the ARN of a version of the layer AWS-Parameters-and-Secrets-Lambda-Extension-Arm64 in the stage's Region, eu-central-1, as AWS's page "AWS Parameters and Secrets Lambda Extension ARNs" \(https:\/\/docs\.aws\.amazon\.com\/[^)]+\) lists it \(this one is us-east-1's\), not "arn:aws:lambda:us-east-1:/,
        ),
      ]);
    });

    it('is refused in any Region when it is not the arm64 layer: the functions are arm64', () => {
      for (const name of ['AWS-Parameters-and-Secrets-Lambda-Extension', 'AWS-Parameters-and-Secrets-Lambda-Extension-Arm64-copy', 'my-layer']) {
        for (const context of [packagingFor('us-east-1'), { local: false }, { local: true }]) {
          expect(params.paramProblems({ secretsExtensionLayerArn: layer('us-east-1', '177933569100', name) }, context)).toEqual([
            expect.stringContaining(`(the functions are arm64; ${name} is not that layer)`),
          ]);
        }
      }
    });

    it('is checked against the Region the Framework builds the stack for (provider.region, --region)', async () => {
      const given: Record<string, unknown> = { ...serverless.params.default, operatorRoleArn: 'arn:aws:iam::123456789012:role/relay-operator' };
      const resolving =
        (region: string) =>
        (variable: string): Promise<unknown> => {
          if (variable === 'sls:stage') return Promise.resolve('prod');
          if (variable === 'self:provider.region') return Promise.resolve(region);
          const name = /^param:(\w+), null$/.exec(variable)?.[1];
          if (name === undefined) return Promise.reject(new Error(`unexpected variable ${variable}`));
          return Promise.resolve(given[name] ?? null);
        };
      const options = { package: undefined, stage: 'prod' };
      await expect(params({ resolveVariable: resolving('us-east-1'), options })).resolves.toEqual({});
      await expect(params({ resolveVariable: resolving('eu-central-1'), options })).rejects.toThrow(
        /secretsExtensionLayerArn must be .* in the stage's Region, eu-central-1, .*\(this one is us-east-1's\)/,
      );
    });

    it('has its Region checked only when a deployed stage is built, not when its stack is only read (info, logs, remove) or the stage is local', () => {
      expect(params.paramProblems({ secretsExtensionLayerArn: US_EAST_1 }, { local: false, packaging: false, region: 'eu-central-1' })).toEqual([]);
      expect(params.paramProblems({ secretsExtensionLayerArn: US_EAST_1 }, { local: true, packaging: true, region: 'eu-central-1' })).toEqual([]);
    });
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
