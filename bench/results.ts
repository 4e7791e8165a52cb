/** What a run records (bench/results.json), read by the report and the charts. */
import type { Built } from './build';
import type { Stats } from './worker';

export interface Plan {
  /** Fresh processes per contender. */
  coldSamples: number;
  /** Invocations before measuring, then batches of `batch` invocations, interleaved across contenders. */
  warmup: number;
  batch: number;
  batches: number;
}

export interface Target {
  what: string;
  value: number;
  limit: number;
  met: boolean;
}

export const CONTENDERS = {
  ours: { label: 'ours', entry: 'functions/webhook.ts' },
  middy: { label: '(a) Middy + Powertools, valibot', entry: 'bench/peers/middy-valibot.ts' },
  middySsm: { label: '(s) (a) with its secret from SSM', entry: 'bench/peers/middy-ssm.ts' },
  zod: { label: '(b) Middy + Powertools, zod 4', entry: 'bench/peers/middy-zod.ts' },
  floor: { label: '(f) floor', entry: 'bench/peers/floor.ts' },
} as const;
export type Key = keyof typeof CONTENDERS;
export const KEYS = Object.keys(CONTENDERS) as Key[];

export interface Distribution {
  median: number;
  p25: number;
  p75: number;
}
export interface ColdResult {
  loadMs: Distribution;
  firstMs: Distribution;
  totalMs: Distribution;
  cpuMs: Distribution;
  statuses: Record<string, number>;
}
export interface WarmResult extends Stats {
  cpuMicrosPerInvocation: number;
  /** After two forced garbage collections, after warm-up and after every batch. */
  memory: { invocations: number[]; heapMiB: number[]; rssMiB: number[] };
  /** Last quarter of the batches against the first quarter. */
  heapGrowthMiB: number;
  rssGrowthMiB: number;
}
export interface Results {
  date: string;
  machine: { cpus: string; node: string; loadAverage: { start: number[]; end: number[] } };
  plan: Plan;
  durationSeconds: number;
  contenders: Record<Key, { label: string; entry: string } & Omit<Built, 'file'>>;
  cold: Record<Key, ColdResult>;
  warm: Record<Key, WarmResult>;
  targets?: Target[];
}
