// @ts-check
/**
 * Jest's Node environment, with the AWS SDK's notice about an old Node.js version shown once per
 * worker. The SDK emits it once per loaded copy of itself, and Jest loads a fresh copy for every
 * test file, so on Node.js 20 a run printed it some sixty times. The first one of each worker goes
 * through unchanged (the notice is true, and left on); the copies after it say nothing new.
 * This module is loaded once per worker process, so the flag below is the worker's.
 */
const { TestEnvironment } = /** @type {typeof import('jest-environment-node')} */ (require('jest-environment-node'));

/** The notice's own name, at the start of its text (@aws-sdk/core `emitWarningIfUnsupportedVersion`). */
const NODE_VERSION_NOTICE = 'NodeVersionSupportWarning';

const worker = { noticeShown: false };

/**
 * `emitWarning` that lets the SDK's Node version notice through the first time `state` sees it, and
 * every other warning always.
 * @param {(warning: string | Error, ...rest: any[]) => void} emitWarning
 * @param {{ noticeShown: boolean }} state
 * @returns {(warning: string | Error, ...rest: any[]) => void}
 */
function onceForNodeVersionNotice(emitWarning, state) {
  /** @this {unknown} */
  return function (warning, ...rest) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith(NODE_VERSION_NOTICE)) {
      if (state.noticeShown) return;
      state.noticeShown = true;
    }
    emitWarning.call(this, warning, ...rest);
  };
}

class RelayTestEnvironment extends TestEnvironment {
  /** @param {ConstructorParameters<typeof TestEnvironment>} args */
  constructor(...args) {
    super(...args);
    const sandboxProcess = this.global.process;
    sandboxProcess.emitWarning = /** @type {typeof process.emitWarning} */ (onceForNodeVersionNotice(sandboxProcess.emitWarning, worker));
  }
}

module.exports = RelayTestEnvironment;
module.exports.onceForNodeVersionNotice = onceForNodeVersionNotice;
