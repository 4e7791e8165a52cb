import * as z from 'zod';
import { envelope, model } from './common';
import { EndUserModel } from './models';

/** Zod 4 port of lib/schemas/end-user.ts (peer (b)). */
const EndUserData = model({ end_user: EndUserModel });

export const EndUserAdded = envelope(z.literal('end_user.added'), EndUserData);
export const EndUserDeleted = envelope(z.literal('end_user.deleted'), EndUserData);
export const EndUserUpdated = envelope(z.literal('end_user.updated'), EndUserData);
