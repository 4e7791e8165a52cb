// @ts-check
/** The stage's switches that several features read: alarm notifications, X-Ray tracing, the operator's role. */
const { equals, not, param } = require('./shapes');

/** @type {import('./shapes').Fragment} */
module.exports = {
  Conditions: {
    HasAlarmTopic: not(equals(param('alarmTopicArn'), '')),
    TracingEnabled: equals(param('tracing'), 'true'),
    HasOperatorRole: not(equals(param('operatorRoleArn'), '')),
  },
};
