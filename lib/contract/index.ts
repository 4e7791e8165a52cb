/**
 * The published contract: what a dRoam payload of each type must be, and what
 * the relay publishes for it (the CloudEvent and its SNS message attributes).
 * It depends on nothing else in lib/ and on no AWS SDK, so the relay, the
 * subscriber kit and the generators all read the same declarations.
 */
export * from './attributes';
export * from './cloudevent';
export * from './declare';
export * from './payload-types';
export { isEcho } from './schemas/echo';
export * from './json';
