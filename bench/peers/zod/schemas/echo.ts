import * as z from 'zod';
import { model } from './common';

/** Zod 4 port of lib/schemas/echo.ts (peer (b)): both shapes of dRoam's endpoint validation. */
export const EchoRequest = z.union([
  model({ type: z.literal('echo'), echo_data: z.string() }),
  model({ type: z.literal('echo'), data: model({ echo_data: z.string() }) }),
]);

export const isEcho = (payload: unknown): boolean => EchoRequest.safeParse(payload).success;
