/**
 * The event archive's bucket, read through the layout of lib/archive/archive.ts
 * (events/type=<type>/date=<YYYY-MM-DD>/…jsonl.gz): the types it holds, and
 * the objects of one type over a range of days with their lines. Read by
 * `npm run history` and `npm run find`; nothing here writes.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type ArchivedMessage, ARCHIVE_PREFIX, decodeObject, partitionOfKey, partitionPrefix } from '../lib/archive/archive';

export class ArchiveBucket {
  // An endpoint override (the local emulator) serves buckets by path, not by host name.
  private readonly s3: S3Client;

  constructor(
    readonly bucket: string,
    s3?: S3Client,
  ) {
    this.s3 = s3 ?? new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined || process.env.AWS_ENDPOINT_URL !== undefined });
  }

  /** Every key (or common prefix, with a delimiter) of a listing, page by page. */
  private async *list(input: { Prefix: string; StartAfter?: string; Delimiter?: string }): AsyncGenerator<{ key?: string; prefix?: string }> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, ...input, ...(token === undefined ? {} : { ContinuationToken: token }) }),
      );
      for (const prefix of page.CommonPrefixes ?? []) yield prefix.Prefix === undefined ? {} : { prefix: prefix.Prefix };
      for (const object of page.Contents ?? []) yield object.Key === undefined ? {} : { key: object.Key };
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** The types the archive holds: its `events/type=…/` prefixes. */
  async types(): Promise<string[]> {
    const types: string[] = [];
    for await (const { prefix } of this.list({ Prefix: `${ARCHIVE_PREFIX}type=`, Delimiter: '/' })) {
      const type = /^events\/type=([^/]+)\/$/.exec(prefix ?? '')?.[1];
      if (type !== undefined) types.push(type);
    }
    return types;
  }

  /** The objects of one type whose partition date is in [firstDate, lastDate] (YYYY-MM-DD), each with its lines. */
  async *objects(type: string, firstDate: string, lastDate: string): AsyncGenerator<{ key: string; messages: ArchivedMessage[] }> {
    // Keys sort by date within a type: start at the first day, stop after the last.
    for await (const { key } of this.list({ Prefix: `${ARCHIVE_PREFIX}type=${type}/`, StartAfter: partitionPrefix(type, firstDate).slice(0, -1) })) {
      const partition = partitionOfKey(key ?? '');
      if (key === undefined || partition === undefined || partition.date < firstDate) continue;
      if (partition.date > lastDate) break;
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (object.Body === undefined) continue;
      yield { key, messages: decodeObject(await object.Body.transformToByteArray()) };
    }
  }
}
