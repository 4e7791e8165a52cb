/**
 * The event archive's bucket, read through the layout of lib/archive/archive.ts
 * (events/type=<type>/date=<YYYY-MM-DD>/…jsonl.gz): the types it holds, and
 * the objects of one type over a range of days with their lines. Read by
 * `npm run history` and `npm run find`; nothing here writes.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type ArchivedMessage, ARCHIVE_PREFIX, partitionOfKey, partitionPrefix, readObject, typeFromKey } from '../lib/archive/archive';

/**
 * One object of the archive: its lines that are archived messages and, when some could not be read, why;
 * or, when the object itself could not be (not fetched, or not gzip), only why.
 */
export type ArchiveObject =
  | { readonly key: string; readonly messages: ArchivedMessage[]; readonly unreadable?: string }
  | { readonly key: string; readonly unreadable: string; readonly messages?: undefined };

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
      if (type !== undefined) types.push(typeFromKey(type));
    }
    return types;
  }

  /**
   * The objects of one type whose partition date is in [firstDate, lastDate] (YYYY-MM-DD), each with its lines;
   * one that cannot be read is given with why, and the others still are.
   */
  async *objects(type: string, firstDate: string, lastDate: string): AsyncGenerator<ArchiveObject> {
    // Keys sort by date within a type: start at the first day, stop after the last.
    for await (const { key } of this.list({ Prefix: partitionPrefix(type), StartAfter: partitionPrefix(type, firstDate).slice(0, -1) })) {
      const partition = partitionOfKey(key ?? '');
      if (key === undefined || partition === undefined || partition.date < firstDate) continue;
      if (partition.date > lastDate) break;
      yield await this.fetchObject(key);
    }
  }

  private async fetchObject(key: string): Promise<ArchiveObject> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const { messages, unreadable } = readObject((await object.Body?.transformToByteArray()) ?? new Uint8Array());
      return unreadable === 0 ? { key, messages } : { key, messages, unreadable: `${String(unreadable)} line(s) that are not archived messages` };
    } catch (error) {
      return { key, unreadable: error instanceof Error ? error.message : String(error) };
    }
  }
}
