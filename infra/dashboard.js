// @ts-check
/** One page for the stage: traffic and outcomes, publishing, queues, the functions, the ingress's answers. */
const { ingressOf } = require('./ingress');
const { STACK, getAtt, ifCondition, join, param, ref, sub } = require('./shapes');

/**
 * A metric widget of the dashboard's body; `${Name}` is one of the body's Fn::Sub variables. In a metrics
 * row '.' repeats the value of the row above, '...' all of them.
 * @param {{ x: number, y: number, width?: number, height?: number, title: string, stat?: string, stacked?: boolean, period: number }} properties
 * @param {unknown[][]} metrics
 */
function metricWidget({ x, y, width = 8, height = 6, title, ...properties }, metrics) {
  const widget = JSON.stringify({
    type: 'metric',
    x,
    y,
    width,
    height,
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', ...properties, metrics: [] },
  });
  // One space after the `[` of each metrics list and of the widget list: the deployed body, byte for byte.
  return widget.replace('"metrics":[]', () => `"metrics":[ ${metrics.map((row) => JSON.stringify(row)).join(',')}]`);
}

/** The page's widgets, with the ingress's answers among them. @param {string} ingressWidget */
const widgets = (ingressWidget) => [
  metricWidget({ x: 0, y: 0, title: 'Requests', stat: 'Sum', period: 300 }, [
    ['${Namespace}', 'received', 'service', '${Service}'],
    ['.', 'accepted', '.', '.'],
    ['.', 'rejected', '.', '.'],
    ['.', 'echo', '.', '.'],
  ]),
  metricWidget({ x: 8, y: 0, title: 'Rejected by reason', stacked: true, period: 300 }, [
    [{ expression: `SEARCH('{\${Namespace},reason,service} MetricName="rejected" service="\${Service}"', 'Sum', 300)`, id: 'reasons', label: '' }],
  ]),
  metricWidget({ x: 16, y: 0, title: 'Publish latency (ms)', period: 300 }, [
    ['${Namespace}', 'publish_latency', 'service', '${Service}', { stat: 'p50', label: 'p50' }],
    ['...', { stat: 'p99', label: 'p99' }],
  ]),
  metricWidget({ x: 0, y: 6, title: 'Publish and quarantine failures', stat: 'Sum', period: 60 }, [
    ['${Namespace}', 'publish_failures', 'service', '${Service}'],
    ['.', 'quarantine_failures', '.', '.'],
  ]),
  ingressWidget,
  metricWidget({ x: 16, y: 6, title: 'Cold starts', period: 300 }, [
    [{ expression: `SEARCH('Namespace="\${Namespace}" MetricName="ColdStart" service="\${Service}"', 'Sum', 300)`, id: 'cold', label: '' }],
  ]),
  metricWidget({ x: 0, y: 12, title: 'Queue depth: quarantine, publish retries', stat: 'Maximum', period: 300 }, [
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${Quarantine}', { label: 'quarantine' }],
    ['...', '${Retry}', { label: 'publish-retry queue' }],
    ['...', '${RetryDlq}', { label: 'publish-retry DLQ' }],
  ]),
  metricWidget({ x: 8, y: 12, title: 'Lambda throttles and errors', stat: 'Sum', period: 300 }, [
    ['AWS/Lambda', 'Throttles', 'FunctionName', '${Webhook}'],
    ['.', 'Errors', '.', '.'],
    ['.', 'Throttles', '.', '${Drainer}'],
    ['.', 'Errors', '.', '.'],
  ]),
  metricWidget({ x: 16, y: 12, title: 'Longest invocation (ms); timeout ${Timeout} s', stat: 'Maximum', period: 60 }, [
    ['AWS/Lambda', 'Duration', 'FunctionName', '${Webhook}'],
    ['...', '${Drainer}', { label: 'retry drainer (timeout ${DrainerTimeout} s)' }],
  ]),
];

/** The answers of the stage's ingress (infra/ingress.js), with the Fn::Sub variables they read. */
const INGRESS_WIDGETS = {
  httpApi: {
    widget: metricWidget({ x: 8, y: 6, title: 'API responses 4xx, 5xx, 429', stat: 'Sum', period: 300 }, [
      ['AWS/ApiGateway', '4xx', 'ApiId', '${Api}', 'Stage', '$default'],
      ['.', '5xx', '.', '.', '.', '.'],
      ['${Namespace}', 'throttled', 'ApiId', '${Api}', { label: '429' }],
    ]),
    variables: { Api: ref('HttpApi') },
  },
  // A throttled request is a 4xx here, and the webhook's Throttles in the Lambda widget.
  functionUrl: {
    widget: metricWidget({ x: 8, y: 6, title: 'Function URL responses 4xx, 5xx', stat: 'Sum', period: 300 }, [
      ['AWS/Lambda', 'Url4xxCount', 'FunctionName', '${Webhook}'],
      ['.', 'Url5xxCount', '.', '.'],
    ]),
    variables: {},
  },
};

const ARCHIVE_WIDGET = metricWidget({ x: 0, y: 18, width: 12, title: 'Event archive: queue, oldest message (s), dead letters', stat: 'Maximum', period: 300 }, [
  ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${Queue}', { label: 'archive queue' }],
  ['.', 'ApproximateAgeOfOldestMessage', '.', '.', { label: 'oldest (s)', yAxis: 'right' }],
  ['.', 'ApproximateNumberOfMessagesVisible', '.', '${Dlq}', { label: 'archive DLQ' }],
]);

/**
 * @param {import('./ingress').Framework} framework
 * @returns {Promise<import('./shapes').Fragment>}
 */
module.exports = async (framework) => {
  const ingress = INGRESS_WIDGETS[await ingressOf(framework)];
  return {
    Resources: {
      Dashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: {
          DashboardName: STACK,
          DashboardBody: join([
            sub(`{"start":"-PT6H","periodOverride":"inherit","widgets":[ ${widgets(ingress.widget).join(', ')}`, {
              Namespace: param('metricsNamespace'),
              Service: param('metricsService'),
              ...ingress.variables,
              Quarantine: getAtt('QuarantineQueue', 'QueueName'),
              Webhook: ref('WebhookLambdaFunction'),
              Drainer: ref('RetryDrainerLambdaFunction'),
              DrainerTimeout: '${self:functions.retryDrainer.timeout}',
              Retry: getAtt('RetryQueue', 'QueueName'),
              RetryDlq: getAtt('RetryDeadLetterQueue', 'QueueName'),
              Timeout: '${self:provider.timeout}',
            }),
            // The archive's widget exists with the archive only.
            ifCondition(
              'ArchiveEnabled',
              sub(`,${ARCHIVE_WIDGET}`, { Queue: getAtt('ArchiveQueue', 'QueueName'), Dlq: getAtt('ArchiveDeadLetterQueue', 'QueueName') }),
              '',
            ),
            ']}',
          ]),
        },
      },
    },
    Outputs: {
      DashboardUrl: {
        Description: "The stage's CloudWatch dashboard",
        Value: sub('https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${Dashboard}'),
      },
    },
  };
};
