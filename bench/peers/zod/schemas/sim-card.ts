import * as z from 'zod';
import { envelope, model } from './common';
import { SimCardModel } from './models';

/** Zod 4 port of lib/schemas/sim-card.ts (peer (b)). */
const SimCardData = model({ sim_card: SimCardModel });

export const SimCardAssignedToEndUser = envelope(z.literal('sim_card.assigned_to_end_user'), SimCardData);
export const SimCardFirstUsage = envelope(z.literal('sim_card.first_usage'), SimCardData);
