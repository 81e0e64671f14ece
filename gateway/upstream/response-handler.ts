import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

interface Collector {
  readonly chunks: Buffer[];
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

/**
 * An upstream response's body: its bytes as they arrive (async iteration), or all of it with `text()`, which
 * takes the chunks straight from the handler: an async iterator over the stream cost ~2 KB a response.
 */
export class UpstreamBody extends Readable {
  readonly #controller: Dispatcher.DispatchController;
  #complete = false;
  #collector: Collector | undefined;

  constructor(controller: Dispatcher.DispatchController) {
    super();
    this.#controller = controller;
  }

  /** A chunk from the upstream; false asks the handler to pause it. */
  receive(chunk: Buffer): boolean {
    if (this.#collector === undefined) return this.push(chunk);
    this.#collector.chunks.push(chunk);
    return true;
  }

  /** The upstream sent the last byte. */
  complete(): void {
    this.#complete = true;
    if (this.#collector === undefined) this.push(null);
    else this.#collector.resolve(Buffer.concat(this.#collector.chunks).toString('utf8'));
  }

  override _read(): void {
    this.#controller.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Left before its end (the client went away, a stream was abandoned): the upstream call ends too.
    if (!this.#complete) {
      const reason = error ?? new Error('upstream response discarded');
      if (!this.#controller.aborted) this.#controller.abort(reason);
      this.#collector?.reject(reason);
    }
    callback(error);
  }

  /** The whole body as UTF-8 text: what the stream holds already, then the rest as it comes. */
  text(): Promise<string> {
    if (this.errored !== null) return Promise.reject(this.errored);
    if (this.#collector !== undefined || this.readableDidRead)
      return Promise.reject(new Error('upstream body already being read'));
    const buffered = this.readableLength > 0 ? (this.read() as Buffer) : undefined;
    if (this.#complete) return Promise.resolve(buffered?.toString('utf8') ?? '');
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    this.#collector = { chunks: buffered === undefined ? [] : [buffered], resolve, reject };
    // The failure reaches the caller through the promise; no one else listens to this stream now.
    this.once('error', reportedThroughText);
    this.#controller.resume();
    return promise;
  }
}

function reportedThroughText(): void {
  // see UpstreamBody.text
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamBody;
}

/**
 * One upstream call through undici's `dispatch`, in place of its `request()`: that API keeps a closure over
 * each request's controller on its handler, and with it every request's objects outlived the next young
 * collections (scavenges of 8-10 ms against 0.4 ms; e2e/bench/README.md). For the same reason this handler
 * holds no closure: the abort listener is a bound method, and the promise comes from `Promise.withResolvers`.
 */
export class UpstreamResponseHandler implements Dispatcher.DispatchHandler {
  readonly response: Promise<UpstreamResponse>;
  readonly #resolve: (response: UpstreamResponse) => void;
  readonly #reject: (error: Error) => void;
  readonly #signal: AbortSignal;
  readonly #onAbort = this.#abort.bind(this);
  #controller: Dispatcher.DispatchController | undefined;
  #body: UpstreamBody | undefined;

  constructor(signal: AbortSignal) {
    const { promise, resolve, reject } = Promise.withResolvers<UpstreamResponse>();
    this.response = promise;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    if (!signal.aborted) signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(reasonOf(this.#signal));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (status < 200) return; // 1xx: the final answer is still to come
    this.#body = new UpstreamBody(controller);
    this.#resolve({ status, headers, body: this.#body });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#body?.receive(chunk) === false) controller.pause();
  }

  onResponseEnd(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#body?.complete();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (this.#body === undefined) this.#reject(error);
    else this.#body.destroy(error);
  }

  /** Before the request is sent it is dropped once undici starts it; after, the call or its body ends. */
  #abort(): void {
    const reason = reasonOf(this.#signal);
    if (this.#body !== undefined) this.#body.destroy(reason);
    else this.#controller?.abort(reason);
  }
}

function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}
