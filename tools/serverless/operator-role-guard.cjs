// @ts-check
/**
 * A deployed stage names the IAM role its operator acts with (the operatorRoleArn parameter): only that role
 * may encrypt with the api secrets' key, so without one nobody can put the api secret and every request is
 * answered 503; and only that role may move messages back from the dead-letter queues. `sls package` and
 * `sls deploy` (which packages) of such a stage stop here, when the template is compiled, saying what to
 * pass. Other commands (info, logs, remove) need no parameter.
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

class OperatorRoleGuard {
  /** @param {any} serverless */
  constructor(serverless) {
    this.hooks = {
      // After the stack's resources (infra/) are merged into the template, before it is saved.
      'before:aws:package:finalize:saveServiceState': () => {
        /** @type {{ Conditions?: Record<string, unknown> }} */
        const template = serverless.service.provider.compiledCloudFormationTemplate ?? {};
        // infra/conditions.js: HasOperatorRole is { Fn::Not: [{ Fn::Equals: [<operatorRoleArn>, ''] }] }, resolved by now.
        const condition = /** @type {{ 'Fn::Not'?: [{ 'Fn::Equals'?: [unknown, unknown] }] }} */ (template.Conditions?.HasOperatorRole);
        const arn = condition?.['Fn::Not']?.[0]?.['Fn::Equals']?.[0];
        if (typeof arn === 'string' && ROLE_ARN.test(arn)) return;
        throw new serverless.classes.Error(
          `A deployed stage names the IAM role its operator acts with: the only principal that may put the api secret and move messages back ` +
            `from the dead-letter queues. Pass it, e.g. --param operatorRoleArn=arn:aws:iam::123456789012:role/relay-operator ` +
            `(now: ${JSON.stringify(arn ?? null)}); docs/operating.md says what its IAM policy needs.`,
          'OPERATOR_ROLE_REQUIRED',
        );
      },
    };
  }
}

module.exports = OperatorRoleGuard;
