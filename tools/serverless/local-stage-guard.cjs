// @ts-check
/**
 * Keeps the `local` stage on this machine. It is the default stage, so that
 * `npm start` and `sls invoke local` need no flag, and it carries dRoam's
 * public example secret and a ten-year skew: packaged or deployed, it would be
 * a stack that anyone who has read dRoam's documentation can post events to.
 * `sls package` and `sls deploy` (whole service or one function), `sls remove`
 * and `sls rollback` of that stage stop here, and so do `sls info` and
 * `sls logs`, which would ask AWS for a stack that never exists; each with a
 * message saying what to type. `npm run package|deploy|remove|info|logs` run
 * these plain, so a forgotten `--stage` stops here too, before any call to AWS.
 * `sls invoke local` and `sls offline` are not affected.
 */
const LOCAL_STAGE = 'local';

/** Each refused command → the command line to type instead. */
const INSTEAD = new Map([
  ['package', 'npm run package -- --stage prod'],
  ['deploy', 'npm run deploy -- --stage prod'],
  ['deploy function', 'npm run deploy -- --stage prod'],
  ['deploy list', 'npx sls deploy list --stage prod'],
  ['remove', 'npm run remove -- --stage prod'],
  ['rollback', 'npx sls rollback --stage prod'],
  ['info', 'npm run info -- --stage prod'],
  ['logs', 'npm run logs -- --stage prod --function webhook'],
]);

class LocalStageGuard {
  /** @param {any} serverless @param {Record<string, unknown>} options */
  constructor(serverless, options) {
    this.hooks = {
      initialize: () => {
        const command = (serverless.processedInput?.commands ?? []).join(' ');
        const stage = String(options.stage ?? serverless.service?.provider?.stage ?? '');
        const instead = INSTEAD.get(command);
        if (stage === LOCAL_STAGE && instead !== undefined) {
          throw new serverless.classes.Error(
            `The "${LOCAL_STAGE}" stage runs only on this machine (npm start, npm run invoke, sls invoke local): it carries dRoam's public example secret, ` +
              `and AWS has no stack of it. Name a deployed stage, e.g. ${instead}`,
            'LOCAL_STAGE_NOT_DEPLOYABLE',
          );
        }
      },
    };
  }
}

module.exports = LocalStageGuard;
