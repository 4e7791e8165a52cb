import * as v from 'valibot';
import { envelope, model } from './common';
import { UserModel } from './models';

/** Company staff events (Listings 5.5–5.7): `data.user` is a User Model. */
const StaffData = model({ user: UserModel });

export const CompanyStaffAdded = envelope(v.literal('company.staff.added'), StaffData);
export const CompanyStaffDeleted = envelope(v.literal('company.staff.deleted'), StaffData);
export const CompanyStaffUpdated = envelope(v.literal('company.staff.updated'), StaffData);
