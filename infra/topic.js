// @ts-check
/** The topic dRoam events are published to, its policy, and the key of the topic and every queue. */
const { ACCOUNT_ROOT, STACK, equals, getAtt, ifCondition, not, param, policyDocument, ref, sub, tlsOnly } = require('./shapes');

// Who may publish to the topic: the webhook's role, the publish-retry drainer's, and
// replayPublisherArn when set (npm run history --to-topic).
const relayRoles = [getAtt('WebhookRole', 'Arn'), getAtt('RetryDrainerRole', 'Arn')];
const publisherRoleArns = ifCondition('HasReplayPublisher', [...relayRoles, param('replayPublisherArn')], relayRoles);

/**
 * A function of the Framework's, for the one value the template needs resolved here: whether the topic is FIFO.
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework
 * @returns {Promise<import('./shapes').Fragment>}
 */
module.exports = async ({ resolveVariable }) => {
  const fifo = String(await resolveVariable('param:fifoTopic')) === 'true';
  return {
    Conditions: {
      HasReplayPublisher: not(equals(param('replayPublisherArn'), '')),
    },
    Resources: {
      Topic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: `${STACK}${fifo ? '.fifo' : ''}`,
          FifoTopic: param('fifoTopic'),
          // High throughput: the Region's Publish quota instead of 3,000 messages a second for the topic, and
          // de-duplication within each message group (an event's id is unique, so nothing is lost by it).
          ...(fifo ? { FifoThroughputScope: 'MessageGroup' } : {}),
          KmsMasterKeyId: ref('MessagesKey'),
        },
      },
      // Only the webhook publishes: a principal of the account with sns:Publish in its own policy cannot
      // inject an event that looks like dRoam's. Nothing reaches the topic without TLS.
      TopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [ref('Topic')],
          PolicyDocument: policyDocument([
            { Sid: 'PublishFromTheRelayOnly', Effect: 'Allow', Principal: { AWS: publisherRoleArns }, Action: 'sns:Publish', Resource: ref('Topic') },
            {
              Sid: 'NoOtherPublisher',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: ref('Topic'),
              Condition: { ArnNotEquals: { 'aws:PrincipalArn': publisherRoleArns } },
            },
            tlsOnly('sns:*', ref('Topic')),
          ]),
        },
      },
      // The key of the topic and every queue. SNS may use it to deliver to the queues; principals of the
      // account use it as their IAM policies allow (the relay's functions, each through SNS or SQS only).
      MessagesKey: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: `${STACK} topic and queues (SSE-KMS)`,
          EnableKeyRotation: true,
          KeyPolicy: policyDocument([
            { Sid: 'AccountPrincipalsAsTheirPoliciesAllow', Effect: 'Allow', Principal: ACCOUNT_ROOT, Action: 'kms:*', Resource: '*' },
            {
              Sid: 'SnsDeliversToTheQueues',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                ArnLike: { 'aws:SourceArn': sub(`arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${STACK}*`) },
              },
            },
          ]),
        },
      },
      MessagesKeyAlias: {
        Type: 'AWS::KMS::Alias',
        Properties: { AliasName: `alias/${STACK}-messages`, TargetKeyId: ref('MessagesKey') },
      },
    },
    Outputs: {
      TopicArn: {
        Description: 'The topic dRoam events are published to; subscribe to it with a filter policy',
        Value: ref('Topic'),
        // Subscriber stacks in the same account and region take it with Fn::ImportValue.
        Export: { Name: `${STACK}-TopicArn` },
      },
    },
  };
};
