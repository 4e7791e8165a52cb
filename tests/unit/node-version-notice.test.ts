/**
 * The AWS SDK's notice about an old Node.js version reaches the output once per Jest worker: the
 * test environment lets the first one through and drops its copies, and never touches another warning.
 */
import environment from '../support/node-environment.cjs';
import jestConfig from '../../jest.config.js';

const NOTICE = 'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nversions published after the first week of January 2027\nwill require node >=22.';

describe('the Node version notice, once per worker', () => {
  it('lets the first notice through, drops the copies, and passes every other warning each time', () => {
    const emitted: string[] = [];
    const state = { noticeShown: false };
    const emitWarning = environment.onceForNodeVersionNotice((warning: string | Error) => {
      emitted.push(typeof warning === 'string' ? warning : warning.message);
    }, state);
    emitWarning(NOTICE);
    emitWarning('ExperimentalWarning: something else');
    emitWarning(NOTICE);
    emitWarning(new Error(NOTICE));
    emitWarning('ExperimentalWarning: something else');
    expect(emitted).toEqual([NOTICE, 'ExperimentalWarning: something else', 'ExperimentalWarning: something else']);
  });

  it('is what every project of the test run runs in', () => {
    const projects = (jestConfig as { projects: { displayName: string; testEnvironment?: string }[] }).projects;
    expect(projects.map((project) => [project.displayName, project.testEnvironment])).toEqual(
      projects.map((project) => [project.displayName, '<rootDir>/tests/support/node-environment.cjs']),
    );
  });
});
