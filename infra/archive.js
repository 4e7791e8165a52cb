// @ts-check
/**
 * Event archive (archive: true): every message on the topic, raw, through ArchiveQueue to the archiver
 * (functions/archiver.ts), kept as gzip JSON Lines by type and date in ArchiveBucket; `npm run history`
 * replays from it, and Athena queries it with SQL through a Glue table over the same layout. Nothing of it
 * exists without the ArchiveEnabled condition.
 */
const { readdirSync } = require('node:fs');
const path = require('node:path');
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
  OPERATOR_ROLE,
  param,
  policyDocument,
  queueAlarm,
  queuePolicy,
  queueWithDeadLetterQueue,
  ref,
  tlsOnly,
  withCondition,
  STACK,
} = require('./shapes');

/** The types the contract declares: its generated JSON Schemas, one per type (schemas/<type>.json). */
const DECLARED_TYPES = readdirSync(path.join(__dirname, '..', 'schemas'))
  .filter((name) => name.endsWith('.json') && name !== 'envelope.json')
  .map((name) => name.slice(0, -'.json'.length))
  .sort();

/** Where the archive's objects are (lib/archive/archive.ts): events/type=<type>/date=<YYYY-MM-DD>/. */
const EVENTS_LOCATION = join(['s3://', ref('ArchiveBucket'), '/events/']);
/** Where Athena writes what a query returns: the bucket's athena-results/, kept 30 days. */
const RESULTS_PREFIX = 'athena-results/';

/**
 * A saved query of the archive's workgroup: `?` are the values the Athena console asks for when it runs.
 * @param {string} name @param {string} description @param {string[]} lines
 */
function savedQuery(name, description, lines) {
  return {
    Type: 'AWS::Athena::NamedQuery',
    Properties: { Name: name, Description: description, Database: ref('ArchiveDatabase'), WorkGroup: ref('ArchiveWorkGroup'), QueryString: lines.join('\n') },
  };
}

/** One line per event of the range: the newest first, each id once (the archive is at-least-once). "date" and "time" are quoted: SQL has types of those names. */
const eventsWhere = (/** @type {string} */ condition) => [
  'SELECT "date", type, id, "time", message, attributes',
  'FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY "time") AS copy FROM events',
  `      WHERE "date" BETWEEN ? AND ? AND ${condition})`,
  'WHERE copy = 1',
  'ORDER BY "time" DESC',
];

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
        LifecycleConfiguration: {
          Rules: [
            { Id: 'expire-athena-results', Status: 'Enabled', Prefix: RESULTS_PREFIX, ExpirationInDays: 30 },
            ifCondition(
              'ArchiveExpires',
              { Id: 'expire-archived-events', Status: 'Enabled', Prefix: 'events/', ExpirationInDays: param('archiveRetentionDays') },
              NO_VALUE,
            ),
          ],
        },
      },
    },
    // Only the archiver writes objects under events/, and the operator's role, which rewrites one to erase a person's
    // data (docs/operating.md): `npm run history` also checks each message's integrity tag, but nobody else can add an
    // object to check. Athena writes query results under athena-results/ as its callers' IAM policies allow, and
    // history and find never read them. Nothing reaches the bucket without TLS.
    ArchiveBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref('ArchiveBucket'),
        PolicyDocument: policyDocument([
          {
            Sid: 'EventWritersNamedHereOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: ['s3:PutObject', 's3:ReplicateObject'],
            Resource: join([arn('ArchiveBucket'), '/events/*']),
            Condition: {
              ArnNotEquals: {
                'aws:PrincipalArn': ifCondition('HasOperatorRole', [getAtt('ArchiverRole', 'Arn'), OPERATOR_ROLE], [getAtt('ArchiverRole', 'Arn')]),
              },
            },
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
    // ---- SQL over the archive: a Glue table Athena reads in place, and saved queries ----
    ArchiveDatabase: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: ref('AWS::AccountId'),
        DatabaseInput: { Name: 'droam_webhook_relay_${sls:stage}', Description: 'The dRoam webhook relay event archive' },
      },
    },
    // One row per archived line. Its partitions are projected from the layout (type: the declared types; date: a
    // day from 2020 to today), so a new day or type needs no crawler and no MSCK REPAIR; a query names its days.
    ArchiveEventsTable: {
      Type: 'AWS::Glue::Table',
      Properties: {
        CatalogId: ref('AWS::AccountId'),
        DatabaseName: ref('ArchiveDatabase'),
        TableInput: {
          Name: 'events',
          Description: 'Every message published on the topic, as archived: gzip JSON Lines under events/type=<type>/date=<YYYY-MM-DD>/',
          TableType: 'EXTERNAL_TABLE',
          Parameters: {
            classification: 'json',
            compressionType: 'gzip',
            'projection.enabled': 'true',
            'projection.type.type': 'enum',
            // As the keys spell them: a declared type (letters, digits, `.` and `_`) is the same escaped (lib/archive/archive.ts).
            'projection.type.values': DECLARED_TYPES.join(','),
            'projection.date.type': 'date',
            'projection.date.format': 'yyyy-MM-dd',
            'projection.date.range': '2020-01-01,NOW',
            'projection.date.interval': '1',
            'projection.date.interval.unit': 'DAYS',
          },
          PartitionKeys: [
            { Name: 'type', Type: 'string', Comment: "dRoam's type (the partition; each line's own type is the same)" },
            { Name: 'date', Type: 'string', Comment: 'The UTC date of the CloudEvent time, YYYY-MM-DD' },
          ],
          StorageDescriptor: {
            Location: EVENTS_LOCATION,
            InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true' } },
            Columns: [
              { Name: 'id', Type: 'string', Comment: 'The CloudEvent id' },
              { Name: 'time', Type: 'string', Comment: 'The CloudEvent time (RFC 3339; from_iso8601_timestamp reads it)' },
              { Name: 'message', Type: 'string', Comment: "The message as published: the CloudEvent's JSON text (json_extract_scalar reads it)" },
              {
                Name: 'attributes',
                Type: 'map<string,struct<DataType:string,StringValue:string>>',
                Comment: 'The SNS message attributes as published (element_at(attributes, name).StringValue)',
              },
            ],
          },
        },
      },
    },
    // Queries of the archive run here: their results go to the bucket's athena-results/, whatever a user's settings.
    ArchiveWorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: `${STACK}-archive`,
        Description: 'Queries of the dRoam webhook relay event archive',
        RecursiveDeleteOption: true,
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          ResultConfiguration: {
            OutputLocation: join(['s3://', ref('ArchiveBucket'), `/${RESULTS_PREFIX}`]),
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      },
    },
    ArchiveQueryById: savedQuery('event by id', 'An event by its CloudEvent id, between two dates (YYYY-MM-DD)', eventsWhere('id = ?')),
    ArchiveQueryBySimCard: savedQuery(
      'events of a SIM card',
      'Every event of one SIM card (its ICCID) between two dates, the newest first',
      eventsWhere("element_at(attributes, 'iccid').StringValue = ?"),
    ),
    ArchiveQueryByPool: savedQuery(
      'events of a pool',
      'Every event of one pool (its uuid) between two dates, the newest first',
      eventsWhere("element_at(attributes, 'pool_uuid').StringValue = ?"),
    ),
    ArchiveQueryPerDay: savedQuery('events per type and day', 'How many events of each type each day between two dates, and how many lines (copies included)', [
      'SELECT "date", type, count(DISTINCT id) AS events, count(*) AS lines',
      'FROM events',
      'WHERE "date" BETWEEN ? AND ?',
      'GROUP BY "date", type',
      'ORDER BY "date", type',
    ]),
  }),
  Outputs: {
    ArchiveBucketName: {
      Condition: 'ArchiveEnabled',
      Description: 'The event archive; `npm run history -- --bucket <this>` replays from it',
      Value: ref('ArchiveBucket'),
    },
    ArchiveAthenaWorkGroup: {
      Condition: 'ArchiveEnabled',
      Description: 'The Athena workgroup whose saved queries read the archive (database <ArchiveDatabase>, table events)',
      Value: ref('ArchiveWorkGroup'),
    },
    ArchiveDatabaseName: {
      Condition: 'ArchiveEnabled',
      Description: "The Glue database of the archive's table, events",
      Value: ref('ArchiveDatabase'),
    },
  },
};
