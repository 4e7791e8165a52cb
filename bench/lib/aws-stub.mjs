// @ts-check
/**
 * Preloaded into every benchmark process (`node --import ./bench/lib/aws-stub.mjs`): answers SNS
 * Publish (and SQS SendMessage, for the relay's quarantine) in-process, without a network.
 *
 * Where it cuts: each bundle builds its own SNSClient at module scope with its own bundled copy of
 * the SDK, so no requestHandler can be injected from outside. Instead the stub replaces only the
 * socket: `https.Agent.prototype.createConnection` returns an in-memory duplex for hosts `sns.*`
 * and `sqs.*`. Everything above it runs for real and is counted — command serialisation (awsQuery
 * form body, message attributes), SigV4 signing, the SDK middleware stack and retry strategy, the
 * SDK's NodeHttpHandler (timeouts, keep-alive agent), Node's HTTP/1.1 client writing the request and
 * parsing the response, and the SDK's XML/JSON deserialisation. Left out: DNS, TCP, TLS and SNS itself.
 *
 * The patch is applied when the bundle itself first requires `https` (a Module._load hook that then
 * removes itself), so loading `https`/`tls` stays inside the bundle's measured module-load time.
 *
 * Environment:
 *   AWS_STUB_CAPTURE=1   keep every published message/quarantine record on globalThis.__awsStub (conformance)
 *   AWS_STUB_FAIL=sns    answer SNS with a retryable 500 InternalError (to exercise 503 paths)
 */
import Module, { createRequire } from 'node:module';

// Builtins the stub needs are required lazily, once the bundle has required `https`, so that the
// stub itself loads nothing the bundle would otherwise pay for.
const requireBuiltin = createRequire(import.meta.url);

const capture = process.env.AWS_STUB_CAPTURE === '1';
const fail = new Set((process.env.AWS_STUB_FAIL ?? '').split(',').filter(Boolean));

/** @type {{ published: Array<Record<string, string>>, quarantined: unknown[], requests: number }} */
const state = { published: [], quarantined: [], requests: 0 };
Object.defineProperty(globalThis, '__awsStub', { value: state, enumerable: false });

const CRLF_CRLF = Buffer.from('\r\n\r\n');
let counter = 0;

/** A fresh id per answer, shaped like SNS's (a UUID). */
function nextId() {
  counter++;
  const tail = counter.toString(16).padStart(12, '0');
  return `5e1b0b7e-0000-4000-8000-${tail}`;
}

/** @param {number} status @param {string} contentType @param {string} body */
function httpResponse(status, contentType, body) {
  const text = status === 200 ? 'OK' : 'Internal Server Error';
  const length = Buffer.byteLength(body);
  return Buffer.from(
    `HTTP/1.1 ${status} ${text}\r\nx-amzn-RequestId: ${nextId()}\r\nDate: ${new Date().toUTCString()}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${length}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
}

/** @param {string} head @param {Buffer} body */
function answerSns(head, body) {
  state.requests++;
  if (capture) {
    const form = new URLSearchParams(body.toString('utf8'));
    state.published.push(Object.fromEntries(form));
  }
  if (fail.has('sns')) {
    return httpResponse(
      500,
      'text/xml',
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>InternalError</Code><Message>stubbed failure</Message></Error><RequestId>0</RequestId></ErrorResponse>',
    );
  }
  return httpResponse(
    200,
    'text/xml',
    `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${nextId()}</MessageId></PublishResult><ResponseMetadata><RequestId>${nextId()}</RequestId></ResponseMetadata></PublishResponse>`,
  );
}

/** @param {string} head @param {Buffer} body */
function answerSqs(head, body) {
  state.requests++;
  const input = JSON.parse(body.toString('utf8'));
  if (capture) state.quarantined.push(input);
  // The SDK checks the MD5 of the message body it sent against the one SQS returns.
  const md5 = requireBuiltin('node:crypto')
    .createHash('md5')
    .update(String(input.MessageBody ?? ''))
    .digest('hex');
  return httpResponse(200, 'application/x-amz-json-1.0', JSON.stringify({ MD5OfMessageBody: md5, MessageId: nextId() }));
}

/**
 * An in-memory socket: collects HTTP/1.1 requests written to it and pushes back one canned
 * response per request. Implements the few net.Socket methods Node's HTTP client and agent call.
 * @param {typeof import('node:stream').Duplex} Duplex
 */
const defineStubSocket = (Duplex) =>
  class StubSocket extends Duplex {
    /** @param {(head: string, body: Buffer) => Buffer} answer */
    constructor(answer) {
      super();
      this.answer = answer;
      /** @type {Buffer} */
      this.pending = Buffer.alloc(0);
      this.connecting = false;
      this.remoteAddress = '127.0.0.1';
      this.remotePort = 443;
      this.encrypted = true;
      /** @type {number | undefined} */
      this.timeout = undefined;
    }

    /** @param {Buffer} chunk @param {BufferEncoding} _encoding @param {(error?: Error | null) => void} callback */
    _write(chunk, _encoding, callback) {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      for (;;) {
        const end = this.pending.indexOf(CRLF_CRLF);
        if (end < 0) break;
        const head = this.pending.subarray(0, end).toString('latin1');
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const length = match ? Number(match[1]) : 0;
        if (this.pending.length < end + 4 + length) break;
        const body = this.pending.subarray(end + 4, end + 4 + length);
        this.pending = this.pending.subarray(end + 4 + length);
        this.push(this.answer(head, body));
      }
      callback();
    }

    _read() {}

    /** @param {number} ms @param {() => void} [listener] */
    setTimeout(ms, listener) {
      this.timeout = ms;
      if (listener) this.once('timeout', listener);
      return this;
    }
    setNoDelay() {
      return this;
    }
    setKeepAlive() {
      return this;
    }
    ref() {
      return this;
    }
    unref() {
      return this;
    }
  };

/** @param {typeof import('node:https')} https */
function patch(https) {
  const StubSocket = defineStubSocket(requireBuiltin('node:stream').Duplex);
  const original = https.Agent.prototype.createConnection;
  /** @this {import('node:https').Agent} @param {any} options @param {any} callback */
  https.Agent.prototype.createConnection = function createConnection(options, callback) {
    const host = String(options.host ?? options.hostname ?? '');
    if (host.startsWith('sns.')) return new StubSocket(answerSns);
    if (host.startsWith('sqs.')) return new StubSocket(answerSqs);
    return original.call(this, options, callback);
  };
}

const M = /** @type {any} */ (Module);
const load = M._load;
M._load = function (/** @type {string} */ request, /** @type {unknown[]} */ ...rest) {
  const exported = load.call(this, request, ...rest);
  if (request === 'https' || request === 'node:https') {
    M._load = load;
    patch(exported);
  }
  return exported;
};
