import * as z from 'zod';
import { decimalLike, integerLike, model, nonEmptyString, uuidShaped } from './common';

/** Zod 4 port of lib/schemas/models.ts (peer (b)): dRoam's payload models (its Webhook payload models pages). */

export const StatusModel = model({
  id: integerLike(),
  title: z.string(),
});

export const AccountAddressModel = model({
  house_number: z.string().nullish(),
  street: z.string().nullish(),
  addition: z.string().nullish(),
  city: z.string().nullish(),
  state: z.string().nullish(),
  country_code: z.string().nullish(),
  postal_code: z.string().nullish(),
});

export const AccountModel = model({
  uuid: uuidShaped,
  name: z.string(),
  status: StatusModel.nullish(),
  currency_code: z.string().nullish(),
  email_for_notification: z.string().nullish(),
  vat_number: z.string().nullish(),
  address: AccountAddressModel.nullish(),
});

export const OpenEndUserModel = model({
  uuid: nonEmptyString.nullish(),
});

export const EndUserModel = z.union([AccountModel, OpenEndUserModel], { error: 'Expected an End User (an object, with a non-empty string uuid if any)' });

export const UserModel = model({
  uuid: nonEmptyString,
  email: z.string(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  status: StatusModel.nullish(),
  company: AccountModel.nullish(),
  end_user: EndUserModel.nullish(),
  is_two_factor_enabled: z.boolean().nullish(),
  timezone: z.string().nullish(),
  format_date_time: z.string().nullish(),
  format_number: z.string().nullish(),
});

export const PrepaidRefillModel = model({
  uuid: nonEmptyString,
  amount_mb: integerLike(),
  price: decimalLike(),
  currency_code: z.string(),
});

export const WalletModel = model({
  remaining_balance: decimalLike(),
  currency_code: z.string(),
});

export const PlanModel = model({
  uuid: uuidShaped,
  type: z.string(),
  name: z.string(),
  operator_title: z.string().nullish(),
  prepaid_refills: z.array(PrepaidRefillModel).nullish(),
});

/** SIM Card `details`: PHP's empty `[]` becomes `{}`; a non-empty array is refused. */
export const SimCardDetails = z
  .unknown()
  .transform((input) => (Array.isArray(input) && input.length === 0 ? {} : input))
  .pipe(model({ current_usage_kb: integerLike().nullish() }));

export const SimCardModel = model({
  iccid: nonEmptyString,
  sim_card_type: z.string().nullish(),
  msisdn: z.string().nullish(),
  imei: z.string().nullish(),
  is_e_sim: z.boolean().nullish(),
  status: StatusModel.nullish(),
  plan: PlanModel.nullish(),
  company: AccountModel.nullish(),
  end_user: EndUserModel.nullish(),
  details: SimCardDetails.nullish(),
});

export type AccountModel = z.output<typeof AccountModel>;
export type UserModel = z.output<typeof UserModel>;
export type EndUserModel = z.output<typeof EndUserModel>;
export type SimCardModel = z.output<typeof SimCardModel>;
