import { ClientAbortError } from '../upstream/errors.ts';

/**
 * A routed request's tie to its client: when the client goes away, the upstream call (or the backoff) in
 * progress is aborted with a ClientAbortError. The router hands it each attempt's controller in turn, so a
 * request needs no AbortSignal of its own and no listener on one (~1 KB a request).
 */
export class ClientLink {
  #reason: ClientAbortError | undefined;
  #current: AbortController | undefined;

  /** Set once the client has left. */
  get reason(): ClientAbortError | undefined {
    return this.#reason;
  }

  /** The client left before its answer was sent. */
  disconnect(): void {
    if (this.#reason !== undefined) return;
    this.#reason = new ClientAbortError();
    this.#current?.abort(this.#reason);
  }

  /** Ties a controller to the client until `release`: aborted at once if the client has left already. */
  hold(controller: AbortController): void {
    this.#current = controller;
    if (this.#reason !== undefined) controller.abort(this.#reason);
  }

  release(controller: AbortController): void {
    if (this.#current === controller) this.#current = undefined;
  }
}
