import * as v from 'valibot';
import { envelope, model } from './common';
import { EndUserModel } from './models';

/** End user events (Listings 5.8–5.10): `data.end_user` is an End User Model, whose fields are undocumented. */
const EndUserData = model({ end_user: EndUserModel });

export const EndUserAdded = envelope(v.literal('end_user.added'), EndUserData);
export const EndUserDeleted = envelope(v.literal('end_user.deleted'), EndUserData);
export const EndUserUpdated = envelope(v.literal('end_user.updated'), EndUserData);
