import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { SnsMessage } from '../topic/message';
import { checkIntegrityTag, integrityTag, type TagCheck, type TagExpectation } from './integrity';
import { INTEGRITY_TAG, type Signer } from './records';

/**
 * The integrity tag of a message the relay publishes, in its `integrity_tag`
 * attribute. It covers the body and every other attribute (name, data type,
 * value), which filter policies match on, so a message that reaches the
 * archive or a queue by another way than the relay, or was changed on the
 * way, does not verify: `npm run history` replays only messages whose tag
 * does. The drainer publishes a queued message exactly as the webhook tagged
 * it, and history replays it as archived, tag included.
 */

type Attributes = Readonly<Record<string, Pick<MessageAttributeValue, 'DataType' | 'StringValue'>>>;

/**
 * What the tag covers: the other attributes sorted by name, as JSON (which never holds a raw line break),
 * a line break, then the body as published (kept apart: joining a body of 256 KiB would copy it).
 */
function taggedText(message: string, attributes: Attributes): readonly [string, string] {
  const names = Object.keys(attributes)
    .filter((name) => name !== INTEGRITY_TAG)
    .sort();
  const listed = names.map((name) => [name, attributes[name]?.DataType ?? '', attributes[name]?.StringValue ?? '']);
  return [`${JSON.stringify(listed)}\n`, message];
}

/** The message with its integrity tag, made by the signer; as it is without one (authentication off). */
export function tagMessage(message: SnsMessage, signer: Signer | undefined): SnsMessage {
  if (signer === undefined) return message;
  const tag = integrityTag(signer.secret, 'published-message', taggedText(message.Message, message.MessageAttributes), signer.issue);
  return { ...message, MessageAttributes: { ...message.MessageAttributes, [INTEGRITY_TAG]: { DataType: 'String', StringValue: tag } } };
}

/** Whether a message as received (its body and attributes) carries the relay's tag of it, under one of the secrets. */
export function checkMessageTag(message: string, attributes: Attributes, secrets: readonly string[], expected: TagExpectation = {}): TagCheck {
  return checkIntegrityTag(secrets, 'published-message', taggedText(message, attributes), attributes[INTEGRITY_TAG]?.StringValue, expected);
}
