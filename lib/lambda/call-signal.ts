import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DeserializeHandlerArguments, HttpHandlerOptions, MiddlewareStack } from '@smithy/types';

/**
 * An AWS SDK client that resolves its middleware stack once (the SDK's `cacheMiddleware`), with an abort
 * signal for each call all the same. The SDK skips its cache for a call given options, and an abort signal is
 * an option; resolving the stack again costs a sixth of a Publish (`npm run bench:sns-client`). So the
 * signal travels beside the call instead: registered for the command's input, copied onto each attempt's
 * request by a middleware, and handed to Node's HTTP client by the request handler.
 */

const inputSignals = new WeakMap<object, AbortSignal>();
const requestSignals = new WeakMap<object, AbortSignal>();
const carrying = new WeakSet<object>();

/** The SDK's Node.js request handler, aborting each request with the signal of the call it belongs to. */
export class SignalledHttpHandler extends NodeHttpHandler {
  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HttpHandlerOptions = {}): ReturnType<NodeHttpHandler['handle']> {
    const abortSignal = options.abortSignal ?? requestSignals.get(request);
    return super.handle(request, abortSignal === undefined ? options : { ...options, abortSignal });
  }
}

/** The client, carrying each call's signal when it caches its middleware and sends through SignalledHttpHandler. */
export function withCallSignals<Input extends object, Output extends object, Client extends object>(
  client: Client & {
    readonly config: { readonly requestHandler: unknown; readonly cacheMiddleware?: boolean };
    readonly middlewareStack: MiddlewareStack<Input, Output>;
  },
): Client {
  if (client.config.cacheMiddleware === true && client.config.requestHandler instanceof SignalledHttpHandler) {
    // The last middleware before the request handler: each attempt's request gets its call's signal.
    client.middlewareStack.add(
      (next) => (args: DeserializeHandlerArguments<Input>) => {
        const signal = inputSignals.get(args.input);
        if (signal !== undefined && typeof args.request === 'object' && args.request !== null) requestSignals.set(args.request, signal);
        return next(args);
      },
      { step: 'deserialize', priority: 'low', name: 'callSignalMiddleware' },
    );
    carrying.add(client);
  }
  return client;
}

/**
 * The SDK options of a call on `input` with `signal`: none when `client` carries the signal beside the call
 * (withCallSignals), so that the SDK uses its cached middleware; else the signal as the SDK's own option.
 */
export function callOptions(client: object, input: object, signal: AbortSignal): { abortSignal: AbortSignal } | undefined {
  if (!carrying.has(client)) return { abortSignal: signal };
  inputSignals.set(input, signal);
  return undefined;
}
