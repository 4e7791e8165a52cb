import { type DescribedAttribute, type DescribedPayloadType, INTEGRITY_TAG_ATTRIBUTE, RELAY_ATTRIBUTES } from '../../lib/contract';
import type { PublishedSample } from './examples';
import { ENVELOPE_SCHEMA_FILE, schemaFileFor } from './json-schemas';

/**
 * The AsyncAPI 3.0 document of the topic: one channel (the SNS topic), the
 * relay's one `send` operation, and a message per declared type with its
 * payload (a `$ref` to the type's JSON Schema file beside it), its SNS message
 * attributes as headers, and the events the relay publishes for the type's
 * samples in events/ as examples. Built from the same declarations.
 */

export const ASYNCAPI_VERSION = '3.0.0';
/** The message for types no declaration knows. */
export const UNDECLARED_MESSAGE = 'undeclared';
const CHANNEL = 'events';
const TOPIC_NAME = 'droam-webhook-relay-{stage}';
const SCHEMA_FORMAT = 'application/schema+json;version=draft-2020-12';

export interface AsyncApiInput {
  readonly version: string;
  readonly declarations: readonly DescribedPayloadType[];
  readonly samples: readonly PublishedSample[];
}

export function asyncApiDocument({ version, declarations, samples }: AsyncApiInput): Record<string, unknown> {
  const names = [...declarations.map((d) => d.type), UNDECLARED_MESSAGE];
  const messages: Record<string, unknown> = {};
  for (const declaration of declarations) {
    messages[declaration.type] = message({
      name: declaration.type,
      title: declaration.type,
      summary: declaration.description,
      description: declaration.subject === undefined ? undefined : `CloudEvent \`subject\`: ${lowerFirst(declaration.subject.description)}`,
      eventType: declaration.type,
      attributes: declaration.attributes,
      schemaFile: schemaFileFor(declaration.type),
      samples: samples.filter((sample) => sample.event.type === declaration.type),
    });
  }
  messages[UNDECLARED_MESSAGE] = message({
    name: UNDECLARED_MESSAGE,
    title: 'Any other type',
    summary: 'A type no declaration knows (dRoam says new types may appear), published on its envelope alone.',
    description: 'Its `data` is checked to be a JSON object only. The relay logs each such type once per cold start.',
    eventType: undefined,
    attributes: [],
    schemaFile: ENVELOPE_SCHEMA_FILE,
    samples: [],
  });

  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: 'dRoam webhook relay',
      version,
      description: [
        "dRoam's Push API webhooks, authenticated and validated by the relay, republished on one SNS topic as CloudEvents 1.0",
        '(structured JSON: the SNS message body is the CloudEvent). Subscribe a queue with a filter policy on the message',
        'attributes; with raw message delivery they arrive as SQS message attributes (at most 10, which is why the relay sets at',
        'most 10). Every event also validates against its JSON Schema, named by its `dataschema`.',
      ].join('\n'),
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      aws: {
        host: 'sns.{region}.amazonaws.com',
        protocol: 'sns',
        description: 'Amazon SNS in the region the relay is deployed to.',
        variables: { region: { default: 'us-east-1', description: 'The AWS region of the stack.' } },
      },
    },
    channels: {
      [CHANNEL]: {
        address: TOPIC_NAME,
        title: "The relay's SNS topic",
        description:
          'Output `TopicArn` of the stack. A standard topic, or FIFO (name ending in `.fifo`) when the stage sets `fifoTopic=true`: then events of one subject stay in order and the CloudEvent `id` de-duplicates.',
        servers: [{ $ref: '#/servers/aws' }],
        parameters: { stage: { description: 'The Serverless stage, e.g. prod.' } },
        messages: Object.fromEntries(names.map((name) => [name, { $ref: `#/components/messages/${name}` }])),
        bindings: { sns: { name: TOPIC_NAME, bindingVersion: '0.1.0' } },
      },
    },
    operations: {
      publishEvent: {
        action: 'send',
        channel: { $ref: `#/channels/${CHANNEL}` },
        title: 'Publish a dRoam event',
        summary: 'The relay publishes every authenticated, valid webhook of a type this stage publishes (EVENT_TYPES), once per request.',
        messages: names.map((name) => ({ $ref: `#/channels/${CHANNEL}/messages/${name}` })),
      },
    },
    components: { messages },
  };
}

interface MessageInput {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly description: string | undefined;
  /** The type, when the message is for one type. */
  readonly eventType: string | undefined;
  readonly attributes: readonly DescribedAttribute[];
  readonly schemaFile: string;
  readonly samples: readonly PublishedSample[];
}

function message(input: MessageInput): Record<string, unknown> {
  return {
    name: input.name,
    title: input.title,
    summary: input.summary,
    ...(input.description === undefined ? {} : { description: input.description }),
    contentType: 'application/cloudevents+json',
    headers: headers(input.eventType, input.attributes),
    payload: { schemaFormat: SCHEMA_FORMAT, schema: { $ref: `./${input.schemaFile}` } },
    ...(input.samples.length === 0
      ? {}
      : {
          examples: input.samples.map((sample) => ({
            name: sample.name,
            summary: `What the relay publishes for events/${sample.name}.json.`,
            headers: sample.attributes,
            payload: sample.event,
          })),
        }),
  };
}

/** The SNS message attributes as the message headers; `x-sns-data-type` is the attribute's SNS DataType. */
function headers(eventType: string | undefined, attributes: readonly DescribedAttribute[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  // The integrity tag is on every message of a stage that authenticates, so it is not required.
  for (const attribute of [...RELAY_ATTRIBUTES, ...attributes, INTEGRITY_TAG_ATTRIBUTE]) {
    properties[attribute.name] = {
      type: attribute.type === 'Number' ? 'number' : 'string',
      description: attribute.description,
      ...(attribute.name === 'event_type' && eventType !== undefined ? { const: eventType } : {}),
      'x-sns-data-type': attribute.type,
    };
  }
  return {
    type: 'object',
    description: 'SNS message attributes, for filter policies. Attributes without a value in the event are left out.',
    required: RELAY_ATTRIBUTES.map(({ name }) => name),
    properties,
  };
}

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);
