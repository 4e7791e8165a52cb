import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/**
 * The `local` stage's settings, read from serverless.yml's `params.local`, so
 * tools and tests use exactly what `npm start` and `sls invoke local` run with.
 * Its api secret is dRoam's public documentation example: the committed sample
 * events are signed with it, and the relay refuses it outside a local run.
 */
export interface LocalStage {
  readonly apiSecret: string;
  readonly maxSkewSeconds: number;
  /** The CloudEvent `source` (EVENT_SOURCE): the local stage's `eventSource`, else the default one. */
  readonly eventSource: string;
}

// This file's folder is tools/ when run from source; a bundled copy runs from the repository root.
const SERVERLESS_YML = [path.resolve(__dirname, '..', 'serverless.yml'), path.resolve('serverless.yml')].find((file) => existsSync(file)) ?? 'serverless.yml';

export function readLocalStage(file = SERVERLESS_YML): LocalStage {
  // CloudFormation tags (!Ref, !GetAtt…) elsewhere in the file are irrelevant here.
  const doc = YAML.parse(readFileSync(file, 'utf8'), { logLevel: 'silent' }) as {
    params?: { local?: Record<string, unknown>; default?: Record<string, unknown> };
  };
  const local = doc.params?.local ?? {};
  const eventSource = local.eventSource ?? doc.params?.default?.eventSource;
  const apiSecret = typeof local.apiSecrets === 'string' ? local.apiSecrets : '';
  const maxSkewSeconds = Number(local.maxSkewSeconds);
  if (apiSecret === '' || apiSecret.includes(',') || !Number.isInteger(maxSkewSeconds) || typeof eventSource !== 'string') {
    throw new Error('serverless.yml: params.local needs one apiSecrets value and an integer maxSkewSeconds, and an eventSource (or params.default one)');
  }
  return { apiSecret, maxSkewSeconds, eventSource };
}

export const LOCAL_STAGE: LocalStage = readLocalStage();
