/**
 * SNS message attributes, as the contract declares them: the three the relay sets
 * on every message and its integrity tag, and the helpers a payload declaration
 * uses for its own. Subscribers filter on these; SQS raw delivery forwards at most
 * MAX_MESSAGE_ATTRIBUTES of them, so a type declares at most
 * MAX_MESSAGE_ATTRIBUTES − RESERVED_ATTRIBUTE_NAMES.length (6).
 */

/** SNS takes, and SQS raw message delivery forwards, at most 10 message attributes. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

export type AttributeValue = string | number | null | undefined;

/** The SNS data type of a message attribute. */
export type SnsAttributeType = 'String' | 'Number';

/**
 * One SNS message attribute: its data type, what it means (one line), and its
 * value for a validated payload. A null or undefined value leaves it out of the message.
 */
export type AttributeDeclaration<TPayload> =
  | { readonly type: 'String'; readonly description: string; readonly value: (payload: TPayload) => string | null | undefined }
  | { readonly type: 'Number'; readonly description: string; readonly value: (payload: TPayload) => number | null | undefined };

/** An attribute as the docs and the contract see it: no value function. */
export interface DescribedAttribute {
  readonly name: string;
  readonly type: SnsAttributeType;
  readonly description: string;
}

/**
 * The name of the dRoam source a stage receives webhooks from when it has one: the path
 * `/webhooks/droam`. A stage that receives several dRoam accounts' webhooks names the others
 * (`/webhooks/droam/<name>`), each with its own api secrets.
 */
export const DEFAULT_DROAM_SOURCE = 'default';

/** What a relay attribute's value is taken from: the event, and the dRoam source it came in for. */
export interface PublishedMessage {
  readonly type: string;
  readonly id: string;
  /** The dRoam source's name: DEFAULT_DROAM_SOURCE, or a name of the stage's sources. */
  readonly droamSource: string;
}

/** An attribute the relay sets on every message, with its value taken from the event. */
export interface RelayAttribute extends DescribedAttribute {
  readonly value: (message: PublishedMessage) => string;
}

/** The attributes the relay sets on every message itself, first, in this order. */
export const RELAY_ATTRIBUTES: readonly RelayAttribute[] = [
  { name: 'event_type', type: 'String', description: "dRoam's type, verbatim: the CloudEvent `type`.", value: (message) => message.type },
  { name: 'event_id', type: 'String', description: 'The CloudEvent `id`.', value: (message) => message.id },
  {
    name: 'droam_source',
    type: 'String',
    description:
      'The dRoam source (account) the webhook came in for, as the stage names it: `default` for `/webhooks/droam`, the name for `/webhooks/droam/<name>`.',
    value: (message) => message.droamSource,
  },
];

/**
 * The relay's integrity tag of the message (an HMAC of its body and its other attributes, under a key
 * derived from the api secret, naming the stage and the second it was made), on every message of a stage
 * that authenticates. `npm run history` replays an archived event only when its tag verifies; a
 * subscriber, which holds no secret, has no use for it.
 */
export const INTEGRITY_TAG_ATTRIBUTE: DescribedAttribute = {
  name: 'integrity_tag',
  type: 'String',
  description:
    "The relay's integrity tag of the message (none when the stage authenticates nothing), which `npm run history` checks before it replays an archived event; subscribers ignore it.",
};

/** Names no declaration may give an attribute of its own: the relay sets them. */
export const RESERVED_ATTRIBUTE_NAMES: readonly string[] = [...RELAY_ATTRIBUTES.map(({ name }) => name), INTEGRITY_TAG_ATTRIBUTE.name];

/** A String attribute. */
export const string = <TPayload>(description: string, value: (payload: TPayload) => string | null | undefined): AttributeDeclaration<TPayload> => ({
  type: 'String',
  description,
  value,
});

/** A Number attribute (subscribers can filter on it numerically). */
export const number = <TPayload>(description: string, value: (payload: TPayload) => number | null | undefined): AttributeDeclaration<TPayload> => ({
  type: 'Number',
  description,
  value,
});
