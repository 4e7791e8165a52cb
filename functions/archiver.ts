import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createArchiver } from '../lib/archive/archiver';
import { createLogger } from '../lib/observability/logger';

/**
 * The event archive's writer (serverless.yml `archiver`, deployed when the
 * stage's `archive` parameter is true): reads the archive queue and writes
 * gzip JSON Lines to the archive bucket, partitioned by type and date
 * (lib/archive/archive.ts). `npm run history` replays from it.
 */

const bucket = process.env.ARCHIVE_BUCKET ?? '';
if (bucket === '') throw new Error('ARCHIVE_BUCKET is not set: the archiver has nowhere to write');

// An endpoint override (the local emulator) serves buckets by path, not by host name.
const local = process.env.AWS_ENDPOINT_URL_S3 !== undefined || process.env.AWS_ENDPOINT_URL !== undefined;
const s3 = new S3Client({ forcePathStyle: local });

const archive = createArchiver({
  put: async (key, body) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/gzip' }));
  },
  now: () => new Date(),
  logger: createLogger('droam-webhook-relay-archiver'),
});

export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => archive(event);
