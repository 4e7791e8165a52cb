/**
 * The archiver writes one object per type and date of a batch, and reports
 * exactly the records whose object could not be written, so SQS redelivers
 * those and no others.
 */
import { createArchiver } from '../../../lib/archive/archiver';
import { decodeObject, objectKey, partitionOfKey } from '../../../lib/archive/archive';

const event = (id: string, type: string, time: string) => JSON.stringify({ specversion: '1.0', id, type, time, source: 'droam', data: {} });
const record = (messageId: string, body: string) => ({
  messageId,
  body,
  messageAttributes: { event_type: { dataType: 'String', stringValue: (JSON.parse(body) as { type: string }).type } },
});

function archiver(failing: (key: string) => boolean = () => false) {
  const written = new Map<string, Buffer>();
  const logged: string[] = [];
  const log = (message: string) => logged.push(message);
  const archive = createArchiver({
    put: (key, body) => {
      if (failing(key)) return Promise.reject(new Error('SlowDown'));
      written.set(key, body);
      return Promise.resolve();
    },
    now: () => new Date('2026-11-29T12:00:00.123Z'),
    logger: { info: log, warn: log, error: log },
  });
  return { archive, written, logged };
}

const batch = [
  record('m1', event('a', 'company.added', '2024-01-01T10:00:00Z')),
  record('m2', event('b', 'company.added', '2024-01-01T23:59:59Z')),
  record('m3', event('c', 'company.added', '2024-01-02T00:00:00Z')),
  record('m4', event('d', 'rule.pool.usage.triggered', '2024-01-01T10:00:00Z')),
];

it('writes one object per type and UTC date, each line the message as received with its attributes', async () => {
  const { archive, written } = archiver();
  expect(await archive({ Records: batch })).toEqual({ batchItemFailures: [] });
  const objects = [...written].map(([key, body]) => ({ partition: partitionOfKey(key), ids: decodeObject(body).map((line) => line.id) }));
  expect(objects).toEqual([
    { partition: { type: 'company.added', date: '2024-01-01' }, ids: ['a', 'b'] },
    { partition: { type: 'company.added', date: '2024-01-02' }, ids: ['c'] },
    { partition: { type: 'rule.pool.usage.triggered', date: '2024-01-01' }, ids: ['d'] },
  ]);
  const [first] = decodeObject([...written.values()][0] ?? Buffer.alloc(0));
  expect(first).toEqual({
    id: 'a',
    type: 'company.added',
    time: '2024-01-01T10:00:00Z',
    message: batch[0]?.body,
    attributes: { event_type: { DataType: 'String', StringValue: 'company.added' } },
  });
});

it('reports the records of an object that could not be written, and only those', async () => {
  const { archive, written, logged } = archiver((key) => key.includes('date=2024-01-01/') && key.includes('company.added'));
  expect(await archive({ Records: batch })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
  expect(written.size).toBe(2);
  expect(logged).toContain('archive object not written: its records will be redelivered');
});

it.each([
  ['payment:refunded', 'events/type=payment%3Arefunded/date=2024-01-01/'],
  ['../company.added', 'events/type=..%2Fcompany.added/date=2024-01-01/'],
  ['a/b=c?d#e%f', 'events/type=a%2Fb%3Dc%3Fd%23e%25f/date=2024-01-01/'],
  ['{"quoted"}[^]*\\~', 'events/type=%7B%22quoted%22%7D%5B%5E%5D%2A%5C%7E/date=2024-01-01/'],
  ['t'.repeat(256), `events/type=${'t'.repeat(256)}/date=2024-01-01/`],
])('files a type the envelope accepts (%j) under a key that escapes it, and reads the type back from the key', async (type, prefix) => {
  const { archive, written } = archiver();
  expect(await archive({ Records: [record('m1', event('a', type, '2024-01-01T10:00:00Z'))] })).toEqual({ batchItemFailures: [] });
  const [key = ''] = written.keys();
  expect(key.startsWith(prefix)).toBe(true);
  expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
  expect(partitionOfKey(key)).toEqual({ type, date: '2024-01-01' });
  expect(decodeObject(written.get(key) ?? Buffer.alloc(0)).map((line) => line.type)).toEqual([type]);
});

it('escapes every printable character but letters, digits, dot, underscore and hyphen, and the longest type still fits S3 (1024 bytes)', () => {
  const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
  const key = objectKey(
    printable + '/'.repeat(256 - printable.length),
    '2024-01-01',
    new Date('2026-11-29T12:00:00.000Z'),
    '00000000-0000-4000-8000-000000000000',
  );
  expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
  expect(key.split('/')[1]).toMatch(/^type=[A-Za-z0-9._%-]+$/);
  expect(partitionOfKey(key)?.type).toBe(printable + '/'.repeat(256 - printable.length));
});

it.each([
  ['not JSON', '{"id":'],
  ['no time', JSON.stringify({ id: 'x', type: 'company.added' })],
  ['a type with a space (the envelope refuses it)', event('x', 'company added', '2024-01-01T00:00:00Z')],
  ['a time that is not a time', event('x', 'company.added', 'yesterday')],
])('reports a record that is %s and writes nothing for it', async (_what, body) => {
  const { archive, written } = archiver();
  expect(await archive({ Records: [{ messageId: 'bad', body }] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  expect(written.size).toBe(0);
});

it('names objects so that they sort by partition, then by when they were written', () => {
  const earlier = objectKey('company.added', '2024-01-01', new Date('2026-11-29T12:00:00.000Z'), 'b');
  const later = objectKey('company.added', '2024-01-01', new Date('2026-11-29T12:00:01.000Z'), 'a');
  expect([later, earlier].sort()).toEqual([earlier, later]);
  expect(partitionOfKey(earlier)).toEqual({ type: 'company.added', date: '2024-01-01' });
  expect(partitionOfKey('events/type=x/other.txt')).toBeUndefined();
});
