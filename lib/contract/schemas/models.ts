import * as v from 'valibot';
import { checkedArray, decimalLike, integerLike, model, nonEmptyString, uuidShaped } from './common';

/**
 * dRoam's payload models (its Webhook payload models pages). Required fields must be present
 * and of their type; optional ones may be absent or null (the docs do not
 * say which dRoam sends). Leniency is limited to what the vendor's own
 * examples contradict: ids as digit strings, "uuid"s that are not
 * UUIDs (only Account, Plan and Pool uuids are UUID-shaped in the examples),
 * floats as decimal strings, open-ended status titles and plan types.
 */

/** Status Model: `id` documented integer, shown as "1"; titles differ in case and between pages, so any string. */
export const StatusModel = model({
  id: integerLike(),
  title: v.string(),
});

/** Account Address Model: every field optional. */
export const AccountAddressModel = model({
  house_number: v.nullish(v.string()),
  street: v.nullish(v.string()),
  addition: v.nullish(v.string()),
  city: v.nullish(v.string()),
  state: v.nullish(v.string()),
  country_code: v.nullish(v.string()),
  postal_code: v.nullish(v.string()),
});

/** Account Model: a company (or another account); its uuid is a real UUID in the example. */
export const AccountModel = model({
  uuid: uuidShaped,
  name: v.string(),
  status: v.nullish(StatusModel),
  currency_code: v.nullish(v.string()),
  email_for_notification: v.nullish(v.string()),
  vat_number: v.nullish(v.string()),
  address: v.nullish(AccountAddressModel),
});

/** The End User Model page has no content: an open object whose `uuid`, when present, is any non-empty string. */
export const OpenEndUserModel = model({
  uuid: v.nullish(nonEmptyString),
});

/**
 * An end user, wherever one appears. The SIM Card table types `end_user` as
 * Account Model, its example as End User Model : a value shaped like an
 * Account is validated (and normalised) as one; anything else is kept as the
 * open End User object.
 */
export const EndUserModel = v.union([AccountModel, OpenEndUserModel], 'Expected an End User (an object, with a non-empty string uuid if any)');

/** User Model: `uuid` is typed "uuid v4" but shown as "b528bcb9-86cf-2d72834d02ab" (four groups). */
export const UserModel = model({
  uuid: nonEmptyString,
  email: v.string(),
  first_name: v.nullish(v.string()),
  last_name: v.nullish(v.string()),
  status: v.nullish(StatusModel),
  company: v.nullish(AccountModel),
  end_user: v.nullish(EndUserModel),
  is_two_factor_enabled: v.nullish(v.boolean()),
  timezone: v.nullish(v.string()),
  format_date_time: v.nullish(v.string()),
  format_number: v.nullish(v.string()),
});

/** Prepaid Refill Model: `amount_mb` shown as "315", `price` as "90.95", `uuid` not a UUID. */
export const PrepaidRefillModel = model({
  uuid: nonEmptyString,
  amount_mb: integerLike(),
  price: decimalLike(),
  currency_code: v.string(),
});

/** Plan Model: only "prepaid" is documented as a wire value of `type`, so any string. */
export const PlanModel = model({
  uuid: uuidShaped,
  type: v.string(),
  name: v.string(),
  operator_title: v.nullish(v.string()),
  prepaid_refills: v.nullish(checkedArray(PrepaidRefillModel)),
});

/**
 * SIM Card `details`: typed "array", shown as a PHP key→value map, so a
 * JSON object on the wire; PHP encodes an empty one as `[]`, which is
 * published as `{}` so that `details` is always an object. A non-empty JSON
 * array is refused. `current_usage_kb` (shown as a bare 512) is the one
 * documented key; other keys are kept as sent.
 */
export const SimCardDetails = v.pipe(
  v.unknown(),
  v.transform((input) => (Array.isArray(input) && input.length === 0 ? {} : input)),
  model({ current_usage_kb: v.nullish(integerLike()) }),
);

/** SIM Card Model. */
export const SimCardModel = model({
  iccid: nonEmptyString,
  sim_card_type: v.nullish(v.string()),
  msisdn: v.nullish(v.string()),
  imei: v.nullish(v.string()),
  is_e_sim: v.nullish(v.boolean()),
  status: v.nullish(StatusModel),
  plan: v.nullish(PlanModel),
  company: v.nullish(AccountModel),
  end_user: v.nullish(EndUserModel),
  details: v.nullish(SimCardDetails),
});

export type AccountModel = v.InferOutput<typeof AccountModel>;
export type UserModel = v.InferOutput<typeof UserModel>;
export type EndUserModel = v.InferOutput<typeof EndUserModel>;
export type SimCardModel = v.InferOutput<typeof SimCardModel>;
