import { createInterface } from 'node:readline';
import type { KubeConnection } from './kube-connection.ts';
import { sendAuthenticated } from './kube-request.ts';
import { http } from './node-http.ts';

export type WatchDone = (error: unknown) => void;

/** A watch that delivers nothing for this long is given up (`TimeoutError`) and opened again by its caller. */
const inactivityMs = 30_000;

/**
 * A watch of one collection, as client-node 2.0.1's `Watch` does it (the behaviour list-watch.ts was
 * built on: one line of JSON per event, `done` once, with a `TimeoutError` when the connection went
 * silent for 30 s or the error or null when it ended), over the operator's own requests (node's http
 * client, http-send.ts) instead of undici's fetch.
 */
export class KubeWatch {
  readonly #connection: KubeConnection;

  constructor(connection: KubeConnection) {
    this.#connection = connection;
  }

  /** Resolves once the watch is open (or `done` was called); abort the controller to end it. */
  async watch(
    path: string,
    query: Readonly<Record<string, string | undefined>>,
    /** Each event's type and object, as the apiserver sent them (JSON, unchecked). */
    callback: (type: string, object: unknown) => void,
    done: WatchDone,
  ): Promise<AbortController> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const resetTimer = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(timeoutError());
      }, inactivityMs);
      timer.unref();
    };
    let ended = false;
    const end = (error: unknown): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      controller.abort();
      done(error != null && timedOut ? timeoutError() : error);
    };
    try {
      resetTimer();
      const response = await sendAuthenticated(this.#connection, {
        method: 'GET',
        path,
        query: { ...query, watch: 'true' },
        signal: controller.signal,
      });
      if (response.status !== 200) {
        response.body.resume();
        const statusText =
          response.statusText !== '' ? response.statusText : http.STATUS_CODES[response.status];
        const error = new Error(statusText ?? 'Internal Server Error');
        throw Object.assign(error, { statusCode: response.status });
      }
      // The connect timeout is over; from here on it is an inactivity timeout.
      resetTimer();
      const { body } = response;
      body.on('data', resetTimer);
      body.on('error', end);
      body.on('close', () => {
        end(null);
      });
      const lines = createInterface({ input: body, crlfDelay: Infinity });
      // readline passes its input's errors (an abort, a reset) on as its own.
      lines.on('error', end);
      lines.on('line', (line) => {
        let event: { type?: unknown; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: unknown; object?: unknown };
        } catch {
          // A line that is not JSON is skipped, as client-node does.
          return;
        }
        if (typeof event.type === 'string') callback(event.type, event.object);
      });
      lines.on('close', () => {
        end(null);
      });
    } catch (error) {
      end(error);
    }
    return controller;
  }
}

function timeoutError(): Error {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}
