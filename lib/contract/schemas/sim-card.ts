import * as v from 'valibot';
import { envelope, model } from './common';
import { SimCardModel } from './models';

/** SIM card events (Listings 5.11–5.12): `data.sim_card` is a SIM Card Model. */
const SimCardData = model({ sim_card: SimCardModel });

export const SimCardAssignedToEndUser = envelope(v.literal('sim_card.assigned_to_end_user'), SimCardData);
export const SimCardFirstUsage = envelope(v.literal('sim_card.first_usage'), SimCardData);
