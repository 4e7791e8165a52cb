// @ts-check
/** The stage's switches that several features read: alarm notifications and X-Ray tracing. */
const { equals, not, param } = require('./shapes');

/** @type {import('./shapes').Fragment} */
module.exports = {
  Conditions: {
    HasAlarmTopic: not(equals(param('alarmTopicArn'), '')),
    TracingEnabled: equals(param('tracing'), 'true'),
  },
};
