import { pino } from 'pino';

interface LineSink {
  write(text: string): unknown;
}

/**
 * The log's output, written once per event-loop turn instead of once per line: at saturation one turn
 * finishes several requests, each with its access line, and every line was a write(2) of its own. A line
 * waits at most until the end of its turn (setImmediate), so a quiet gateway logs as promptly as before; what
 * is pending when the process exits (process.exit, an uncaught error) is written synchronously first.
 */
export class TurnBatchedDestination {
  readonly #sink: LineSink;
  #pending = '';
  #scheduled = false;
  readonly #flushNow = (): void => {
    this.flushSync();
  };

  constructor(sink: LineSink) {
    this.#sink = sink;
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flushNow);
  }

  /** pino's `logger.flush()`. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  flushSync(): void {
    this.#scheduled = false;
    if (this.#pending === '') return;
    const batch = this.#pending;
    this.#pending = '';
    this.#sink.write(batch);
  }
}

let stdout: TurnBatchedDestination | undefined;

/**
 * Standard output through pino's synchronous SonicBoom (which retries a full pipe and stops on EPIPE), batched
 * per turn and flushed when the process exits. One per process, so every logger's lines keep their order.
 */
export function batchedStdout(): TurnBatchedDestination {
  if (stdout !== undefined) return stdout;
  const destination = new TurnBatchedDestination(pino.destination({ dest: 1, sync: true }));
  process.once('exit', () => {
    destination.flushSync();
  });
  stdout = destination;
  return destination;
}
