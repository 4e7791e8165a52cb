// @ts-check
/** The quarantine: authenticated payloads the relay refused (4xx), kept byte for byte for an operator to inspect and replay. */
const { getAtt, param, queue, queueAlarm, queuePolicy, ref } = require('./shapes');

/** @type {import('./shapes').Fragment} */
module.exports = {
  Resources: {
    QuarantineQueue: queue('quarantine', { MaximumMessageSize: 1048576 }),
    // Only the webhook writes to the quarantine: the replay re-sends what it finds there, so a record
    // written by anyone else would be an event nobody authenticated. Nothing reaches it without TLS.
    QuarantineQueuePolicy: queuePolicy('QuarantineQueue', { senders: [getAtt('WebhookRole', 'Arn')] }),
    QuarantineDepthAlarm: queueAlarm('Payloads wait in the quarantine queue; inspect them and `npm run replay`', 'QuarantineQueue'),
    QuarantineAgeAlarm: queueAlarm(
      'A payload has waited in the quarantine queue longer than deadLetterAgeAlarmSeconds; SQS deletes it 14 days after it was kept: replay it before',
      'QuarantineQueue',
      { metricName: 'ApproximateAgeOfOldestMessage', threshold: param('deadLetterAgeAlarmSeconds') },
    ),
  },
  Outputs: {
    QuarantineQueueUrl: {
      Description: 'Authenticated payloads the relay refused (4xx), byte for byte with their headers and issues; `npm run replay` re-submits them',
      Value: ref('QuarantineQueue'),
    },
  },
};
