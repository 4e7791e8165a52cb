// @ts-check
/**
 * Event archive (archive: true): every message on the topic, raw, through ArchiveQueue to the archiver
 * (functions/archiver.ts), kept as gzip JSON Lines by type and date in ArchiveBucket; `npm run history`
 * replays from it. Nothing of it exists without the ArchiveEnabled condition.
 */
const {
  allow,
  and,
  getAtt,
  arn,
  condition,
  durationAlarm,
  equals,
  functionRole,
  ifCondition,
  join,
  keyThrough,
  NO_VALUE,
  not,
  param,
  policyDocument,
  queueAlarm,
  queuePolicy,
  queueWithDeadLetterQueue,
  ref,
  tlsOnly,
  withCondition,
} = require('./shapes');

/** @type {import('./shapes').Fragment} */
module.exports = {
  Conditions: {
    ArchiveEnabled: equals(param('archive'), 'true'),
    ArchiveExpires: and(condition('ArchiveEnabled'), not(equals(param('archiveRetentionDays'), '0'))),
  },
  // The archiver and what the Framework makes for it exist only with the archive.
  extensions: {
    ArchiverLambdaFunction: { Condition: 'ArchiveEnabled' },
    ArchiverLogGroup: { Condition: 'ArchiveEnabled' },
    ArchiverEventSourceMappingSQSArchiveQueue: { Condition: 'ArchiveEnabled' },
  },
  Resources: withCondition('ArchiveEnabled', {
    ArchiveBucket: {
      Type: 'AWS::S3::Bucket',
      // The history outlives the stack: `sls remove` leaves the bucket.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: ifCondition(
          'ArchiveExpires',
          { Rules: [{ Id: 'expire-archived-events', Status: 'Enabled', Prefix: 'events/', ExpirationInDays: param('archiveRetentionDays') }] },
          NO_VALUE,
        ),
      },
    },
    // Only the archiver writes objects: `npm run history` also checks each message's integrity tag, but nobody else
    // can add an object to check. Nothing reaches the bucket without TLS.
    ArchiveBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref('ArchiveBucket'),
        PolicyDocument: policyDocument([
          {
            Sid: 'WritesFromTheArchiverOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: ['s3:PutObject', 's3:ReplicateObject'],
            Resource: join([arn('ArchiveBucket'), '/*']),
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': getAtt('ArchiverRole', 'Arn') } },
          },
          tlsOnly('s3:*', [arn('ArchiveBucket'), join([arn('ArchiveBucket'), '/*'])]),
        ]),
      },
    },
    // ArchiveDeadLetterQueue: messages the archiver could not write 5 times, and those SNS could not deliver
    // to ArchiveQueue: the archive misses them until they are sent back to ArchiveQueue.
    ...queueWithDeadLetterQueue('Archive', {
      name: 'archive',
      // Six times the archiver's timeout, as Lambda recommends for SQS event sources.
      visibilityTimeout: 360,
      maxReceiveCount: 5,
    }),
    ArchiveSubscription: {
      Type: 'AWS::SNS::Subscription',
      DependsOn: ['ArchiveQueuePolicy', 'ArchiveDeadLetterQueuePolicy'],
      Properties: {
        TopicArn: ref('Topic'),
        Protocol: 'sqs',
        Endpoint: arn('ArchiveQueue'),
        RawMessageDelivery: true,
        RedrivePolicy: { deadLetterTargetArn: arn('ArchiveDeadLetterQueue') },
      },
    },
    // SNS delivers the topic's messages, and the operator's role moves them back from the dead-letter queue.
    ArchiveQueuePolicy: queuePolicy('ArchiveQueue', { fromTopic: true, operator: true }),
    // SNS sends what it could not deliver to ArchiveQueue; SQS moves the others, from ArchiveQueue only.
    ArchiveDeadLetterQueuePolicy: queuePolicy('ArchiveDeadLetterQueue', { fromTopic: true }),
    // The archiver's own role: its log group, reading ArchiveQueue (with the key), writing under events/ in the bucket.
    ArchiverRole: functionRole({
      policyName: 'archiver',
      logGroup: 'ArchiverLogGroup',
      statements: [
        allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], arn('ArchiveQueue')),
        keyThrough('kms:Decrypt', 'MessagesKey', ['sqs']),
        allow('s3:PutObject', join([arn('ArchiveBucket'), '/events/*'])),
      ],
      tracing: false,
    }),
    ArchiveDeadLetterAlarm: queueAlarm(
      "Messages the archiver failed to write 5 times wait in the archive's dead-letter queue; the archive misses them until they are sent back",
      'ArchiveDeadLetterQueue',
    ),
    ArchiveDeadLetterAgeAlarm: queueAlarm(
      "A message has waited in the archive's dead-letter queue longer than deadLetterAgeAlarmSeconds; SQS deletes it 14 days after it was published: move it back before",
      'ArchiveDeadLetterQueue',
      { metricName: 'ApproximateAgeOfOldestMessage', threshold: param('deadLetterAgeAlarmSeconds') },
    ),
    ArchiverDurationAlarm: durationAlarm(
      'An invocation of the archiver took more than durationAlarmPercent of its timeout; at the timeout its batch is redelivered',
      'ArchiverLambdaFunction',
      '${self:functions.archiver.timeout}',
    ),
  }),
  Outputs: {
    ArchiveBucketName: {
      Condition: 'ArchiveEnabled',
      Description: 'The event archive; `npm run history -- --bucket <this>` replays from it',
      Value: ref('ArchiveBucket'),
    },
  },
};
