import * as v from 'valibot';
import { envelope, model } from './common';
import { AccountModel } from './models';

/**
 * Company events (Listings 5.2–5.4): `data.company` is an Account Model.
 * The vendor's `company.deleted` listing carries `"type": "company.added"` and
 * the `company.added` listing is a placeholder; the shape is taken from `company.updated`.
 */
const CompanyData = model({ company: AccountModel });

export const CompanyAdded = envelope(v.literal('company.added'), CompanyData);
export const CompanyDeleted = envelope(v.literal('company.deleted'), CompanyData);
export const CompanyUpdated = envelope(v.literal('company.updated'), CompanyData);
