/**
 * Peer (s): Middy + Powertools with valibot, as (a), reading its api secrets as a deployed stage must:
 * from an SSM SecureString through Powertools Parameters (`getParameter`, decrypted, cached for the
 * maximum age), the read started during the cold start. The benchmark's AWS stub answers SSM as it
 * answers SNS.
 */
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import * as v from 'valibot';
import { AnyEnvelope } from '../../lib/contract/schemas/common';
import { isEcho } from '../../lib/contract/schemas/echo';
import { RulePoolUsageTriggered } from '../../lib/contract/schemas/pool';
import { middyPowertoolsRelay, POOL_USAGE } from './middy-powertools';

const isPool = (input: unknown): boolean => typeof input === 'object' && input !== null && (input as { type?: unknown }).type === POOL_USAGE;
const parameter = process.env.BENCH_API_SECRETS_PARAMETER ?? '/droam-webhook-relay/bench/api-secrets';
const maxAge = Number(process.env.DROAM_API_SECRETS_MAX_AGE_SECONDS ?? 300);

const apiSecrets = async (): Promise<readonly string[]> => {
  const value = await getParameter(parameter, { decrypt: true, maxAge });
  return (value ?? '').split(',').map((secret) => secret.trim());
};
void apiSecrets();

export const handler = middyPowertoolsRelay({
  event: v.looseObject({ body: v.lazy((input) => (isPool(input) ? RulePoolUsageTriggered : AnyEnvelope)) }),
  isEcho,
  apiSecrets,
});
