/**
 * Peer (b): our relay with zod 4 in place of valibot. This is functions/webhook.ts itself — same
 * pipeline, registry declarations, configuration, SNS client, logger, metrics and quarantine. The
 * bench build (bench/run.mjs, contender `zod`) swaps only what touches valibot:
 *   lib/schemas/<name>.ts          → bench/peers/zod/schemas/<name>.ts (zod 4 ports, same exports)
 *   `valibot` in lib/payload-types  → bench/peers/zod/valibot-bridge.ts (safeParse/getDotPath on zod)
 * and refuses to build if any valibot is left in the bundle, so it follows every other change to our code.
 */
export { handler } from '../../functions/webhook';
