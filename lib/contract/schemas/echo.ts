import * as v from 'valibot';
import { model } from './common';

/**
 * dRoam's endpoint validation comes in two shapes: `echo_data` at the top
 * level (validation page) or inside `data` (technical payloads page). Both are
 * answered by returning the request body unchanged.
 */
export const EchoRequest = v.union([
  model({ type: v.literal('echo'), echo_data: v.string() }),
  model({ type: v.literal('echo'), data: model({ echo_data: v.string() }) }),
]);

export const isEcho = (payload: unknown): boolean => v.is(EchoRequest, payload);
