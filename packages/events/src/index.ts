/**
 * @droam-webhook-relay/events: what the dRoam webhook relay publishes on its
 * SNS topic, for the services that subscribe to it. TypeScript types of every
 * declared event, the valibot schemas the relay validates with, and a reader
 * that turns an SQS or SNS record back into a validated, typed CloudEvent.
 */
export * from './events.generated';
export * from './json-number';
export * from './reader';
export * from './schemas';
