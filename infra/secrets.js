// @ts-check
/** The key of the api secrets' SSM SecureStrings (/droam-webhook-relay/<stage>/api-secrets, and each named source's). */
const { ACCOUNT_ROOT, API_SECRETS_PARAMETER_ARNS, NO_VALUE, OPERATOR_ROLE, STACK, getAtt, ifCondition, policyDocument, ref, viaService } = require('./shapes');

/** Encrypting, or decrypting, one of its parameters' values, through SSM: the default source's, and the named sources' under the stage's sources/ path. */
const ITS_PARAMETERS_THROUGH_SSM = { StringEquals: viaService(['ssm']), StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': API_SECRETS_PARAMETER_ARNS } };

/** @type {import('./shapes').Fragment} */
module.exports = {
  Resources: {
    // Only the webhook and the drainer, through SSM and for the stage's api secrets parameters, may decrypt, and
    // only the operator's role (operatorRoleArn) may encrypt, so put a secret: account principals administer the key,
    // but no IAM policy, not even AdministratorAccess, lets them encrypt, decrypt, re-encrypt or grant
    // without first changing this policy, which CloudTrail records.
    ApiSecretsKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `${STACK} dRoam api secrets (SSM SecureString \${self:custom.apiSecretsParameterName})`,
        EnableKeyRotation: true,
        KeyPolicy: policyDocument([
          {
            Sid: 'AccountPrincipalsAdminister',
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
            ],
            Resource: '*',
          },
          // A standard parameter is encrypted with Encrypt, an advanced one with a data key.
          ifCondition(
            'HasOperatorRole',
            {
              Sid: 'TheOperatorPutsTheParameterThroughSsm',
              Effect: 'Allow',
              Principal: { AWS: OPERATOR_ROLE },
              Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
              Resource: '*',
              Condition: ITS_PARAMETERS_THROUGH_SSM,
            },
            NO_VALUE,
          ),
          // The publish-retry drainer reads the same parameters, to check the tags of the records the webhook wrote.
          {
            Sid: 'TheWebhookDecryptsItsParameterThroughSsm',
            Effect: 'Allow',
            Principal: { AWS: [getAtt('WebhookRole', 'Arn'), getAtt('RetryDrainerRole', 'Arn')] },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: ITS_PARAMETERS_THROUGH_SSM,
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
