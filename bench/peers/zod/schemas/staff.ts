import * as z from 'zod';
import { envelope, model } from './common';
import { UserModel } from './models';

/** Zod 4 port of lib/schemas/staff.ts (peer (b)). */
const StaffData = model({ user: UserModel });

export const CompanyStaffAdded = envelope(z.literal('company.staff.added'), StaffData);
export const CompanyStaffDeleted = envelope(z.literal('company.staff.deleted'), StaffData);
export const CompanyStaffUpdated = envelope(z.literal('company.staff.updated'), StaffData);
