/**
 * The offline CloudFormation check the packaged stack must pass
 * (tests/support/template/spec-check.ts), shown to catch each kind of mistake
 * it claims to, on small templates.
 */
import { checkTemplate, type Template } from '../support/template/spec-check';

const queue = (properties: Record<string, unknown>): Template['Resources'][string] => ({ Type: 'AWS::SQS::Queue', Properties: properties });

function problemsOf(resources: Template['Resources'], extra: Partial<Template> = {}): string[] {
  return checkTemplate({ Resources: resources, ...extra }).problems;
}

describe('checkTemplate against @aws-cdk/aws-service-spec', () => {
  test('a correct template has no problem', () => {
    expect(
      problemsOf(
        {
          Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: [] }, EnableKeyRotation: 'true' } },
          Queue: queue({
            QueueName: 'q',
            KmsMasterKeyId: { Ref: 'Key' },
            VisibilityTimeout: 60,
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Key', 'Arn'] } },
          }),
        },
        { Outputs: { Url: { Value: { 'Fn::Sub': '${Queue.QueueUrl}/${AWS::Region}' } } } },
      ),
    ).toEqual([]);
  }, 20_000);

  test.each<[string, Template['Resources'], RegExp]>([
    ['an unknown resource type', { Q: { Type: 'AWS::SQS::Queues', Properties: {} } }, /not a CloudFormation resource type/],
    ['an unknown property', { Q: queue({ KmsKeyId: 'x' }) }, /Q \(AWS::SQS::Queue\): unknown property KmsKeyId/],
    ['a value of the wrong type', { Q: queue({ VisibilityTimeout: 'a minute' }) }, /Q \(AWS::SQS::Queue\)\.VisibilityTimeout: expected integer/],
    ['a missing required property', { P: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: ['u'] } } }, /required property PolicyDocument is missing/],
    [
      'a wrong property inside a nested property type',
      { S: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: 'a', StageName: '$default', DefaultRouteSettings: { ThrottlingRate: 5 } } } },
      /DefaultRouteSettings \(RouteSettings\): unknown property ThrottlingRate/,
    ],
    [
      'an attribute the resource type does not have',
      { Q: queue({}), R: queue({ KmsMasterKeyId: { 'Fn::GetAtt': ['Q', 'Url'] } }) },
      /AWS::SQS::Queue has no attribute Url/,
    ],
    [
      'a reference to nothing inside a policy document',
      { P: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: ['u'], PolicyDocument: { Statement: [{ Resource: { 'Fn::GetAtt': ['Gone', 'Arn'] } }] } } } },
      /Fn::GetAtt of unknown resource Gone/,
    ],
    ['a Ref to nothing', { Q: queue({ KmsMasterKeyId: { Ref: 'Missing' } }) }, /Ref to unknown Missing/],
    ['a Fn::Sub naming nothing', { Q: queue({ QueueName: { 'Fn::Sub': '${Nope}-q' } }) }, /Fn::Sub names unknown \$\{Nope\}/],
    ['an unknown resource attribute', { Q: { ...queue({}), DependOn: 'X' } }, /unknown resource attribute DependOn/],
  ])('reports %s', (_, resources, expected) => {
    expect(problemsOf(resources)).toEqual([expect.stringMatching(expected)]);
  });
});
