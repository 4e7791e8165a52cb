/**
 * The loop of `npm run bench:sns-client`, in a process of its own with the AWS stub preloaded: one Publish
 * at a time through each way of giving a call its deadline, in interleaved rounds. argv: <rounds> <per round> <result file>
 */
import { writeFileSync } from 'node:fs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS, snsClient } from '../lib/lambda/clients';
import { withDeadline } from '../lib/lambda/deadline';
import { snsPublisher } from '../lib/topic/publish';

const [rounds = 30, perRound = 1_000] = process.argv.slice(2, 4).map(Number);
const resultFile = process.argv[4] ?? '';
const TopicArn = 'arn:aws:sns:us-east-1:123456789012:droam-webhook-relay-bench';
// A published pool event's size and attributes.
const input = {
  TopicArn,
  Message: JSON.stringify({
    specversion: '1.0',
    type: 'rule.pool.usage.triggered',
    data: { pool: { uuid: 'p'.repeat(36), current_usage_kb: 123456 }, note: 'x'.repeat(700) },
  }),
  MessageAttributes: Object.fromEntries(
    ['type', 'id', 'droam_source', 'pool_uuid', 'rule_uuid'].map((name) => [name, { DataType: 'String', StringValue: `${name}-value` }]),
  ),
};

const functions = snsClient();
const publish = snsPublisher(functions, TopicArn, PUBLISH_DEADLINE_MS);
const perCallOption = new SNSClient(AWS_CLIENT_OPTIONS);
const variants: Readonly<Record<string, () => Promise<unknown>>> = {
  // The SDK's way: the abort signal as the call's option, the middleware stack resolved on every call.
  'signal as the call option (the SDK default)': () =>
    withDeadline(PUBLISH_DEADLINE_MS, (abortSignal) => perCallOption.send(new PublishCommand(input), { abortSignal })),
  // The functions' way (lib/topic/publish.ts): the stack resolved once, the signal beside the call.
  "signal beside the call, stack resolved once (the functions')": () => publish({ Message: input.Message, MessageAttributes: input.MessageAttributes }),
  // No deadline at all: what the SDK's cache gives a call without options.
  'no deadline, stack resolved once (bare baseline)': () => functions.send(new PublishCommand(input)),
};

async function main(): Promise<void> {
  const micros: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, call] of Object.entries(variants)) {
      const started = performance.now();
      for (let i = 0; i < perRound; i++) await call();
      // The first rounds warm the code up and are not kept.
      if (round >= 5) micros[name]?.push(((performance.now() - started) * 1000) / perRound);
    }
  }
  writeFileSync(resultFile, JSON.stringify(micros));
}

void main();
