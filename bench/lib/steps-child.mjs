// @ts-check
/**
 * Runs bench/steps.ts (built like a contender) in its own process, with the AWS stub preloaded
 * by the harness, on the warm mix's pool events; sends the steps back over IPC.
 * argv: <steps bundle> <fixtures.cjs> <root> <rounds> <per round> <warm-up>
 */
import { createRequire } from 'node:module';

const [bundle = '', fixturesPath = '', root = '', rounds = '0', perRound = '0', warmup = '0'] = process.argv.slice(2);
const requireCjs = createRequire(import.meta.url);
/** @type {typeof import('../steps')} */
const { measureSteps } = requireCjs(bundle);
/** @type {typeof import('../fixtures')} */
const fixtures = requireCjs(fixturesPath);
const pool = fixtures
  .benchRequests(root, Math.floor(Date.now() / 1000))
  .filter((request) => request.kind === 'pool')
  .map((request) => request.event);
const steps = await measureSteps(pool, Number(rounds), Number(perRound), Number(warmup));
process.send?.({ steps }, () => process.exit(0));
