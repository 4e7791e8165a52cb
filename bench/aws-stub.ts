/**
 * Preloaded into every contender process (`node --require .build/aws-stub.cjs`): answers SNS Publish,
 * SQS SendMessage (the relay's quarantine) and SSM GetParameter (a peer's api secret) in-process. Each bundle builds its own SNS client with
 * its own copy of the SDK, so no request handler can be injected from outside; the stub replaces only
 * the socket (`https.Agent#createConnection` for hosts `sns.*` and `sqs.*`). Serialisation, SigV4
 * signing, the middleware stack, the SDK's HTTP handler, Node's HTTP client and response parsing run
 * for real; DNS, TCP, TLS and AWS do not. The patch is applied when the bundle first requires
 * `https`, so loading `https` stays in the bundle's measured module load.
 */
import type * as Https from 'node:https';
import Module from 'node:module';
import type { Duplex as DuplexType } from 'node:stream';

const HEAD_END = Buffer.from('\r\n\r\n');
let counter = 0;
const nextId = (): string => `5e1b0b7e-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`;

function httpResponse(contentType: string, body: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 200 OK\r\nx-amzn-RequestId: ${nextId()}\r\nDate: ${new Date().toUTCString()}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
}

const answerSns = (): Buffer =>
  httpResponse(
    'text/xml',
    `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${nextId()}</MessageId></PublishResult><ResponseMetadata><RequestId>${nextId()}</RequestId></ResponseMetadata></PublishResponse>`,
  );

function answerSqs(body: Buffer): Buffer {
  const input = JSON.parse(body.toString('utf8')) as { MessageBody?: string };
  // The SDK checks the MD5 of the body it sent against the one SQS returns.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const md5 = createHash('md5')
    .update(input.MessageBody ?? '')
    .digest('hex');
  return httpResponse('application/x-amz-json-1.0', JSON.stringify({ MD5OfMessageBody: md5, MessageId: nextId() }));
}

/** SSM GetParameter, for the peer that reads its api secret from SSM: the run's secret, which the harness gives the stub alone in BENCH_API_SECRET. */
function answerSsm(body: Buffer): Buffer {
  const input = JSON.parse(body.toString('utf8')) as { Name?: string };
  const value = process.env.BENCH_API_SECRET ?? '';
  return httpResponse('application/x-amz-json-1.1', JSON.stringify({ Parameter: { Name: input.Name, Type: 'SecureString', Value: value, Version: 1 } }));
}

/** A socket that reads HTTP/1.1 requests written to it and pushes one canned answer back for each. */
function stubSocket(Duplex: typeof DuplexType, answer: (body: Buffer) => Buffer): DuplexType {
  let pending = Buffer.alloc(0);
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      pending = Buffer.concat([pending, chunk]);
      for (let end = pending.indexOf(HEAD_END); end >= 0; end = pending.indexOf(HEAD_END)) {
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(pending.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (pending.length < end + 4 + length) break;
        socket.push(answer(pending.subarray(end + 4, end + 4 + length)));
        pending = pending.subarray(end + 4 + length);
      }
      callback();
    },
  });
  // The few net.Socket members Node's HTTP client and agent use.
  const self = (): DuplexType => socket;
  Object.assign(socket, { connecting: false, remoteAddress: '127.0.0.1', remotePort: 443, encrypted: true });
  Object.assign(socket, { setTimeout: self, setNoDelay: self, setKeepAlive: self, ref: self, unref: self });
  return socket;
}

/** Answers SNS and SQS on this process's https agents from now on (the bundles' own clients, or any other). */
export function patch(https: typeof Https): void {
  const { Duplex } = process.getBuiltinModule('node:stream');
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the agent as `this`
  const original = https.Agent.prototype.createConnection;
  https.Agent.prototype.createConnection = function createConnection(this: Https.Agent, ...args: Parameters<typeof original>) {
    const options = args[0] as { host?: string; hostname?: string };
    const host = options.host ?? options.hostname ?? '';
    if (host.startsWith('sns.')) return stubSocket(Duplex, answerSns);
    if (host.startsWith('sqs.')) return stubSocket(Duplex, answerSqs);
    if (host.startsWith('ssm.')) return stubSocket(Duplex, answerSsm);
    return original.apply(this, args);
  };
}

const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
  const exported = load.call(this, request, ...rest);
  if (request === 'https' || request === 'node:https') {
    loader._load = load;
    patch(exported as typeof Https);
  }
  return exported;
};
