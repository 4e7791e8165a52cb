// @ts-check
/**
 * Keeps the `local` stage on this machine. It is the default stage, so that
 * `npm start` and `sls invoke local` need no flag, and it carries dRoam's
 * public example secret and a ten-year skew: packaged or deployed, it would be
 * a stack that anyone who has read dRoam's documentation can post events to.
 * `sls package` and `sls deploy` (whole service or one function) and
 * `sls remove` of that stage stop here with a message saying what to type;
 * `sls invoke local` and `sls offline` are not affected.
 */
const REFUSED = new Set(['package', 'deploy', 'deploy function', 'deploy list', 'remove', 'rollback']);
const LOCAL_STAGE = 'local';

class LocalStageGuard {
  /** @param {any} serverless @param {Record<string, unknown>} options */
  constructor(serverless, options) {
    this.hooks = {
      initialize: () => {
        const command = (serverless.processedInput?.commands ?? []).join(' ');
        const stage = String(options.stage ?? serverless.service?.provider?.stage ?? '');
        if (stage === LOCAL_STAGE && REFUSED.has(command)) {
          throw new serverless.classes.Error(
            `The "${LOCAL_STAGE}" stage runs only on this machine (npm start, npm run invoke, sls invoke local): it carries dRoam's public example secret. ` +
              `Name a deployed stage, e.g. npm run ${command.startsWith('remove') ? 'remove' : 'deploy'} -- --stage prod`,
            'LOCAL_STAGE_NOT_DEPLOYABLE',
          );
        }
      },
    };
  }
}

module.exports = LocalStageGuard;
