/**
 * An HTTP proxy on 127.0.0.1 in front of an SNS endpoint (fauxqs) that injects
 * a fault into any request it is told to. Faults are injected before
 * forwarding: a request that gets a fault never reaches SNS, so nothing it
 * carried can have been published. Everything it opens is closed by close().
 */
import http from 'node:http';
import type net from 'node:net';

/** What the proxy does with one HTTP request. */
export type Fault =
  | 'pass'
  | 'hang'
  | 'close-socket'
  | 'internal-error'
  | 'throttling'
  | 'throttled'
  | 'invalid-parameter'
  | 'kms-disabled'
  | 'kms-throttling'
  | 'kms-access-denied'
  | 'authorization-error'
  | 'not-found';

interface ErrorAnswer {
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
  readonly code: string;
  readonly message: string;
}

/** The awsQuery error documents SNS answers with, by fault. */
export const ERROR_ANSWERS: Readonly<Record<Exclude<Fault, 'pass' | 'hang' | 'close-socket'>, ErrorAnswer>> = {
  'internal-error': { status: 500, type: 'Receiver', code: 'InternalError', message: 'Internal failure' },
  throttling: { status: 400, type: 'Sender', code: 'Throttling', message: 'Rate exceeded' },
  throttled: { status: 400, type: 'Sender', code: 'Throttled', message: 'Publish rate exceeded for this topic' },
  'invalid-parameter': { status: 400, type: 'Sender', code: 'InvalidParameter', message: 'Invalid parameter: Message Structure - the message is not valid' },
  'kms-disabled': { status: 400, type: 'Sender', code: 'KMSDisabled', message: 'The key is disabled' },
  'kms-throttling': { status: 400, type: 'Sender', code: 'KMSThrottling', message: 'KMS request rate exceeded' },
  'kms-access-denied': {
    status: 400,
    type: 'Sender',
    code: 'KMSAccessDenied',
    message: 'The ciphertext references a key that does not exist or that you do not have access to',
  },
  'authorization-error': { status: 403, type: 'Sender', code: 'AuthorizationError', message: 'User is not authorized to perform: SNS:Publish on resource' },
  'not-found': { status: 404, type: 'Sender', code: 'NotFound', message: 'Topic does not exist' },
};

export const FAST_FAULTS: readonly Fault[] = ['close-socket', ...(Object.keys(ERROR_ANSWERS) as Fault[])];

/** What the proxy saw and did, one entry per HTTP request, in arrival order. */
export interface ProxyRecord {
  /** The SNS action (`Publish`, ...) from the form body. */
  readonly action: string | undefined;
  /** The `event_id` message attribute of a Publish, when present. */
  readonly eventId: string | undefined;
  /** The messages the request publishes: 1 for a Publish, one per entry for a PublishBatch, 0 for anything else. */
  readonly messages: number;
  /** The SDK's attempt number, from its `amz-sdk-request: attempt=N; max=M` header. */
  readonly attempt: number | undefined;
  readonly fault: Fault;
  /** Whether the request was sent on to SNS (only ever for `pass`). */
  forwarded: boolean;
  /** SNS's status for a forwarded request, once it answered. */
  upstreamStatus?: number | undefined;
}

/** Chooses the fault for one request from what it carries. */
export type FaultChooser = (request: Omit<ProxyRecord, 'fault' | 'forwarded'>) => Fault;

export interface FaultProxy {
  readonly endpoint: string;
  /** One fault for every request from now on, or a chooser called per request. */
  set(fault: Fault | FaultChooser): void;
  readonly records: readonly ProxyRecord[];
  /** Forgets the records (not the fault setting). */
  reset(): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (upstream.hostname !== '127.0.0.1') throw new Error(`the proxy forwards to the loopback only, not ${target}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let records: ProxyRecord[] = [];
  let choose: FaultChooser = () => 'pass';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen = describeRequest(req, body);
      const record: ProxyRecord = { ...seen, fault: choose(seen), forwarded: false };
      records.push(record);
      switch (record.fault) {
        case 'pass':
          record.forwarded = true;
          forward(req, body, res, record);
          return;
        case 'hang':
          // The connection stays open and nothing is ever written; close() ends it.
          return;
        case 'close-socket':
          req.socket.destroy();
          return;
        default:
          answerError(res, ERROR_ANSWERS[record.fault]);
      }
    });
  });
  server.on('connection', (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  function forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, record: ProxyRecord): void {
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    const outgoing = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      record.upstreamStatus = answer.statusCode;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    outgoing.on('error', () => {
      // SNS itself failed after the request left: say so with a 502 (never seen in these tests unless SNS breaks).
      if (!res.headersSent) answerError(res, { status: 502, type: 'Receiver', code: 'ProxyUpstreamError', message: 'SNS did not answer the proxy' });
      else res.destroy();
    });
    outgoing.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    set(fault) {
      choose = typeof fault === 'function' ? fault : () => fault;
    },
    get records() {
      return records;
    },
    reset() {
      records = [];
    },
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };
}

function describeRequest(req: http.IncomingMessage, body: Buffer): Omit<ProxyRecord, 'fault' | 'forwarded'> {
  const form = new URLSearchParams(body.toString('utf8'));
  let eventId: string | undefined;
  for (let n = 1; n <= 10; n++) {
    if (form.get(`MessageAttributes.entry.${n}.Name`) === 'event_id') {
      eventId = form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? undefined;
      break;
    }
  }
  const attempt = /attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1];
  const action = form.get('Action') ?? undefined;
  const entries = [...form.keys()].filter((key) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(key)).length;
  const messages = action === 'Publish' ? 1 : action === 'PublishBatch' ? entries : 0;
  return { action, eventId, messages, attempt: attempt === undefined ? undefined : Number(attempt) };
}

function answerError(res: http.ServerResponse, answer: ErrorAnswer): void {
  const requestId = `fault-${Math.random().toString(16).slice(2, 10)}`;
  const body =
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
    `<Error><Type>${answer.type}</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(answer.status, { 'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amzn-requestid': requestId });
  res.end(body);
}
