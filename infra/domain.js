// @ts-check
/**
 * Custom domain (domainName + certificateArn): the webhook URL no longer depends on the API's id or region,
 * so the URL registered with dRoam survives recreating the stack or moving region. A domain of the HTTP API:
 * with ingress=functionUrl there is none (infra/params.js refuses domainName), and nothing here exists.
 */
const { ingressOf } = require('./ingress');
const { and, condition, equals, getAtt, not, param, ref, withCondition } = require('./shapes');

/** @type {import('./shapes').Fragment} */
const CUSTOM_DOMAIN = {
  Conditions: {
    HasCustomDomain: not(equals(param('domainName'), '')),
    HasCustomDomainRecord: and(condition('HasCustomDomain'), not(equals(param('hostedZoneId'), ''))),
  },
  Resources: {
    ...withCondition('HasCustomDomain', {
      WebhookDomainName: {
        Type: 'AWS::ApiGatewayV2::DomainName',
        Properties: {
          DomainName: param('domainName'),
          DomainNameConfigurations: [{ CertificateArn: param('certificateArn'), EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
        },
      },
      WebhookApiMapping: {
        Type: 'AWS::ApiGatewayV2::ApiMapping',
        DependsOn: 'HttpApiStage',
        Properties: { DomainName: ref('WebhookDomainName'), ApiId: ref('HttpApi'), Stage: '$default' },
      },
    }),
    // hostedZoneId, a Route 53 zone of the domain, also creates the DNS alias.
    ...withCondition('HasCustomDomainRecord', {
      WebhookDomainRecord: {
        Type: 'AWS::Route53::RecordSet',
        Properties: {
          HostedZoneId: param('hostedZoneId'),
          Name: param('domainName'),
          Type: 'A',
          AliasTarget: { DNSName: getAtt('WebhookDomainName', 'RegionalDomainName'), HostedZoneId: getAtt('WebhookDomainName', 'RegionalHostedZoneId') },
        },
      },
    }),
  },
  Outputs: {
    StableWebhookUrl: {
      Condition: 'HasCustomDomain',
      Description: 'The URL to register in dRoam when a custom domain is set; it survives recreating the stack',
      Value: `https://${param('domainName')}/webhooks/droam`,
    },
    CustomDomainTarget: {
      Condition: 'HasCustomDomain',
      Description: "Point the custom domain's DNS here (an alias A record or a CNAME), unless hostedZoneId made the record",
      Value: getAtt('WebhookDomainName', 'RegionalDomainName'),
    },
  },
};

/** @param {import('./ingress').Framework} framework @returns {Promise<import('./shapes').Fragment>} */
module.exports = async (framework) => ((await ingressOf(framework)) === 'httpApi' ? CUSTOM_DOMAIN : {});
