import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

interface Collector {
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

/** What is held of a body nobody reads yet before the upstream is paused (a Readable's default mark). */
const highWaterMark = 16 * 1024;

/**
 * An upstream response's body: all of it with `text()`, or its bytes as they arrive (async iteration). Most
 * answers are read whole, so no stream is made for them: the chunks go from the handler into a list, and a
 * Readable (its state, its ticks: ~1 KB and a few µs a response) is made only when someone iterates.
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  readonly #controller: Dispatcher.DispatchController;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #complete = false;
  #error: Error | undefined;
  #collector: Collector | undefined;
  #stream: Readable | undefined;

  constructor(controller: Dispatcher.DispatchController) {
    this.#controller = controller;
  }

  /** A chunk from the upstream; false asks the handler to pause it. */
  receive(chunk: Buffer): boolean {
    if (this.#stream !== undefined) return this.#stream.push(chunk);
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    return this.#collector !== undefined || this.#bytes < highWaterMark;
  }

  /** The upstream sent the last byte. */
  complete(): void {
    this.#complete = true;
    if (this.#stream !== undefined) this.#stream.push(null);
    else this.#collector?.resolve(this.#joined());
  }

  /** The call failed or was given up (a reset, an idle timeout, an abort): whoever reads gets the error. */
  destroy(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    if (!this.#complete && !this.#controller.aborted) this.#controller.abort(error);
    this.#chunks = [];
    if (this.#stream !== undefined) this.#stream.destroy(error);
    else this.#collector?.reject(error);
  }

  /** The whole body as UTF-8 text: what came already, then the rest as it comes. */
  text(): Promise<string> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#collector !== undefined || this.#stream !== undefined)
      return Promise.reject(new Error('upstream body already being read'));
    if (this.#complete) {
      this.#collector = { resolve: noop, reject: noop };
      return Promise.resolve(this.#joined());
    }
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    this.#collector = { resolve, reject };
    this.#controller.resume();
    return promise;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.#collector !== undefined || this.#stream !== undefined)
      throw new Error('upstream body already being read');
    const stream = new Readable({
      read: () => {
        this.#controller.resume();
      },
      destroy: (error, callback) => {
        // Left before its end (the client went away, a stream was abandoned): the upstream call ends too.
        if (!this.#complete && !this.#controller.aborted)
          this.#controller.abort(error ?? new Error('upstream response discarded'));
        callback(error);
      },
    });
    this.#stream = stream;
    if (this.#error !== undefined) stream.destroy(this.#error);
    else {
      for (const chunk of this.#chunks) stream.push(chunk);
      if (this.#complete) stream.push(null);
    }
    this.#chunks = [];
    return stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  #joined(): string {
    const text =
      this.#chunks.length === 1
        ? this.#chunks[0]?.toString('utf8')
        : Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    return text ?? '';
  }
}

function noop(): void {
  // a body read whole at once has no one to tell later
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
    if (!signal.aborted) signal.addEventListener('abort', this.#onAbort); // removed at the end; an abort fires once
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
