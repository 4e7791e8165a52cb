// @ts-check
/** The quarantine: authenticated payloads the relay refused (4xx), kept byte for byte for an operator to inspect and replay. */
const { numericParam } = require('./params');
const { getAtt, queue, queueAlarm, queuePolicy, ref } = require('./shapes');

const SECONDS_PER_DAY = 86_400;

/**
 * How old the quarantine's oldest payload is when QuarantineAgeAlarm fires: half the retention, so an
 * operator has as long again to replay or discard it before SQS deletes it (7 days of 14; 12 hours of 1).
 * @param {number} retentionDays
 */
const ageAlarmSeconds = (retentionDays) => (retentionDays * SECONDS_PER_DAY) / 2;

/**
 * A function of the Framework's, for the values the template computes: the retention, and the age alarm's
 * threshold, in seconds.
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework
 * @returns {Promise<import('./shapes').Fragment>}
 */
module.exports = async (framework) => {
  // How long a refused payload, and the personal data it may hold, is kept unless replayed or discarded first.
  const retentionDays = await numericParam(framework, 'quarantineRetentionDays');
  return {
    Resources: {
      QuarantineQueue: queue('quarantine', { MaximumMessageSize: 1048576, MessageRetentionPeriod: retentionDays * SECONDS_PER_DAY }),
      // Only the webhook writes to the quarantine: the replay re-sends what it finds there, so a record
      // written by anyone else would be an event nobody authenticated. Nothing reaches it without TLS.
      QuarantineQueuePolicy: queuePolicy('QuarantineQueue', { senders: [getAtt('WebhookRole', 'Arn')] }),
      QuarantineDepthAlarm: queueAlarm('Payloads wait in the quarantine queue; inspect them and `npm run replay`', 'QuarantineQueue'),
      QuarantineAgeAlarm: queueAlarm(
        `A payload has waited in the quarantine queue half of quarantineRetentionDays (${String(retentionDays)} days), after which SQS deletes it: replay or discard it before`,
        'QuarantineQueue',
        { metricName: 'ApproximateAgeOfOldestMessage', threshold: ageAlarmSeconds(retentionDays) },
      ),
    },
    Outputs: {
      QuarantineQueueUrl: {
        Description: 'Authenticated payloads the relay refused (4xx), byte for byte with their headers and issues; `npm run replay` re-submits them',
        Value: ref('QuarantineQueue'),
      },
    },
  };
};
module.exports.ageAlarmSeconds = ageAlarmSeconds;
