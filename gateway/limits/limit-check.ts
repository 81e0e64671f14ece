/** `r` requests a window, `t` tokens a window, `p` requests in flight, `s` spend (read only, see shared-budgets). */
export type LimitKind = 'r' | 't' | 'p' | 's';

/** One limit a request is counted against. The key's refuse the request; a deployment's only skip it. */
export interface LimitCheck {
  readonly kind: LimitKind;
  /** Redis base key (hashes and deployment ids only, never a raw key); also the local counter's name. */
  readonly key: string;
  /** 0: count only (usage-based routing wants every deployment's usage), never refuse. */
  readonly limit: number;
  readonly amount: number;
  readonly scope: 'key' | 'deployment';
}

export type AdmitResult =
  | {
      readonly ok: true;
      /** Where it was counted: its settlement goes to the same place. */
      readonly where: 'redis' | 'local';
      /** The window the tokens were reserved in. */
      readonly window: number;
      /** Per check, the usage after this request (requests, tokens or in flight). */
      readonly usage: readonly number[];
      /** The parallel-request lease to release ('' when there is none or it is local). */
      readonly lease: string;
    }
  | { readonly ok: false; readonly failed: number; readonly retryMs: number; readonly usage: number };

export const windowMs = 60_000;
export const keyPrefix = 'switchyard:rl:';

export function keyCounter(hash: string, kind: LimitKind): string {
  return `${keyPrefix}k:${hash}:${kind}`;
}

export function deploymentCounter(id: string, kind: 'r' | 't'): string {
  return `${keyPrefix}d:${id}:${kind}`;
}
