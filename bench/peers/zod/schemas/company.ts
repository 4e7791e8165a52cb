import * as z from 'zod';
import { envelope, model } from './common';
import { AccountModel } from './models';

/** Zod 4 port of lib/schemas/company.ts (peer (b)). */
const CompanyData = model({ company: AccountModel });

export const CompanyAdded = envelope(z.literal('company.added'), CompanyData);
export const CompanyDeleted = envelope(z.literal('company.deleted'), CompanyData);
export const CompanyUpdated = envelope(z.literal('company.updated'), CompanyData);
