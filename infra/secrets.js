// @ts-check
/** The key of the api secrets' SSM SecureStrings (/droam-webhook-relay/<stage>/api-secrets, and each named source's). */
const { ACCOUNT_ROOT, API_SECRETS_PARAMETER_ARNS, STACK, getAtt, policyDocument, ref, viaService } = require('./shapes');

/** @type {import('./shapes').Fragment} */
module.exports = {
  Resources: {
    // Only the webhook, through SSM and for that one parameter, may decrypt: account principals
    // administer the key and encrypt with it (to put a new secret), but no IAM policy, not even
    // AdministratorAccess, lets them decrypt, re-encrypt or grant without first changing this policy,
    // which CloudTrail records.
    ApiSecretsKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `${STACK} dRoam api secrets (SSM SecureString \${self:custom.apiSecretsParameterName})`,
        EnableKeyRotation: true,
        KeyPolicy: policyDocument([
          {
            Sid: 'AccountPrincipalsAdministerAndEncrypt',
            Effect: 'Allow',
            Principal: ACCOUNT_ROOT,
            Action: [
              'kms:Describe*',
              'kms:List*',
              'kms:Get*',
              'kms:Put*',
              'kms:Update*',
              'kms:Enable*',
              'kms:Disable*',
              'kms:TagResource',
              'kms:UntagResource',
              'kms:CreateAlias',
              'kms:DeleteAlias',
              'kms:ScheduleKeyDeletion',
              'kms:CancelKeyDeletion',
              'kms:Encrypt',
              'kms:GenerateDataKey',
            ],
            Resource: '*',
          },
          // The publish-retry drainer reads the same parameter, to check the tags of the records the webhook wrote.
          {
            Sid: 'TheWebhookDecryptsItsParameterThroughSsm',
            Effect: 'Allow',
            Principal: { AWS: [getAtt('WebhookRole', 'Arn'), getAtt('RetryDrainerRole', 'Arn')] },
            Action: 'kms:Decrypt',
            Resource: '*',
            // Its parameters: the default source's, and the named sources' under the stage's sources/ path.
            Condition: { StringEquals: viaService(['ssm']), StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': API_SECRETS_PARAMETER_ARNS } },
          },
        ]),
      },
    },
    ApiSecretsKeyAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: `alias/${STACK}-api-secrets`, TargetKeyId: ref('ApiSecretsKey') },
    },
  },
};
