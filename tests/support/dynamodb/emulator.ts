/**
 * DynamoDB for the tests: dynalite, an in-memory DynamoDB from npm, started in
 * the test's own process on 127.0.0.1 behind a small proxy that can answer any
 * request with DynamoDB's InternalServerError instead of forwarding it (the
 * emulator failing, as the service can). stop() closes both; nothing outlives
 * the test file.
 */
import http from 'node:http';
import type net from 'node:net';
import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { CREDENTIALS, REGION } from '../integration/aws';

/** The DynamoDB operation of a request, from its `X-Amz-Target: DynamoDB_20120810.<Operation>` header. */
const operationOf = (request: http.IncomingMessage): string => String(request.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');

export interface DynamoDbEmulator {
  /** Where clients send requests: the proxy in front of dynalite. */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Creates a table with a string partition key; on demand, as the templates create them. */
  createTable(name: string, partitionKey: string): Promise<void>;
  scan(name: string): Promise<Record<string, AttributeValue>[]>;
  /** Answers InternalServerError to every request of these operations until `heal()`; returns how many it failed so far. */
  fail(operations: readonly string[]): () => number;
  heal(): void;
  stop(): Promise<void>;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as net.AddressInfo).port;
}

export async function startDynamoDb(): Promise<DynamoDbEmulator> {
  const backend = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const backendPort = await listen(backend);
  let failing = new Set<string>();
  let failed = 0;
  const proxy = http.createServer((request, response) => {
    if (failing.has(operationOf(request))) {
      failed++;
      request.resume();
      response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' }));
      return;
    }
    const forwarded = http.request({ host: '127.0.0.1', port: backendPort, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  const endpoint = `http://127.0.0.1:${await listen(proxy)}`;
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  const close = (server: http.Server): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });

  return {
    endpoint,
    client,
    async createTable(name, partitionKey) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
    async scan(name) {
      return (await client.send(new ScanCommand({ TableName: name, ConsistentRead: true }))).Items ?? [];
    },
    fail(operations) {
      failing = new Set(operations);
      failed = 0;
      return () => failed;
    },
    heal() {
      failing = new Set();
    },
    async stop() {
      client.destroy();
      await close(proxy);
      await close(backend);
    },
  };
}
