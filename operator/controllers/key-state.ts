import { isControlledBy } from '../kube/owner-references.ts';
import { formatTime } from '../kube/conditions.ts';
import { fromBase64 } from '../render/base64.ts';
import { sha256 } from '../render/hash.ts';
import type { SecretJson } from './kube-json.ts';

/**
 * Rotation state, kept as annotations on the consumer Secret next to the key it describes: it survives
 * an operator restart and a status wipe (status is not backed up; the Secret is), and it holds hashes and
 * times only, never a key.
 */
export const keyAnnotations = {
  /** The rotation.trigger the current key was made for. */
  rotationTrigger: 'switchyard.dev/rotation-trigger',
  /** SHA-256 of the key replaced by the last rotation, still accepted until the time below. */
  previousHash: 'switchyard.dev/previous-key-hash',
  previousExpiresAt: 'switchyard.dev/previous-key-expires-at',
} as const;

export const consumerKeyField = 'OPENAI_API_KEY';

export interface PreviousKey {
  readonly hash: string;
  /** RFC 3339. */
  readonly expiresAt: string;
}

/** What a consumer Secret says about its key. */
export interface StoredKey {
  readonly key?: string;
  readonly trigger?: string;
  readonly previous?: PreviousKey;
}

/** The key state of a consumer Secret owned by the VirtualKey with `uid`; nothing for anyone else's. */
export function readStoredKey(secret: SecretJson | undefined, uid: string | undefined): StoredKey {
  if (secret === undefined || uid === undefined || !isControlledBy(secret, uid)) return {};
  const data = secret.data?.[consumerKeyField];
  const annotations = secret.metadata?.annotations ?? {};
  const trigger = annotations[keyAnnotations.rotationTrigger];
  const hash = annotations[keyAnnotations.previousHash];
  const expiresAt = annotations[keyAnnotations.previousExpiresAt];
  const key = data === undefined ? undefined : fromBase64(data);
  return {
    ...(key ? { key } : {}),
    ...(trigger !== undefined ? { trigger } : {}),
    ...(hash !== undefined && expiresAt !== undefined ? { previous: { hash, expiresAt } } : {}),
  };
}

export interface KeyDecisionInput {
  readonly stored: StoredKey;
  /** spec.rotation.trigger, when rotation is configured. */
  readonly trigger: string | undefined;
  readonly overlapSeconds: number;
  readonly now: number;
}

export type KeyDecision =
  | {
      readonly action: 'keep';
      readonly trigger: string | undefined;
      readonly previous: PreviousKey | undefined;
      /** When the previous key's overlap ends and it must leave the keys file. */
      readonly recheckInMs: number | undefined;
    }
  | {
      /** `generate`: there was no key; `rotate`: the trigger moved, the old key overlaps. */
      readonly action: 'generate' | 'rotate';
      readonly trigger: string | undefined;
      readonly previous: PreviousKey | undefined;
      readonly recheckInMs: number | undefined;
    };

/**
 * Whether to keep the stored key, make the first one, or rotate. Pure: the caller generates the key and
 * brings the time. A rotation is a trigger that differs from the one recorded with the current key; the
 * replaced key's hash is kept for `overlapSeconds` (then dropped, which revokes it).
 */
export function decideKey({ stored, trigger, overlapSeconds, now }: KeyDecisionInput): KeyDecision {
  if (stored.key === undefined)
    return { action: 'generate', trigger, previous: undefined, recheckInMs: undefined };
  if (trigger !== undefined && trigger !== stored.trigger) {
    const previous =
      overlapSeconds > 0
        ? { hash: sha256(stored.key), expiresAt: formatTime(now + overlapSeconds * 1000) }
        : undefined;
    return { action: 'rotate', trigger, previous, recheckInMs: recheck(previous, now) };
  }
  const previous = stillValid(stored.previous, now);
  // Rotation removed from the spec: the key stays, and so does the record of what made it.
  return {
    action: 'keep',
    trigger: trigger ?? stored.trigger,
    previous,
    recheckInMs: recheck(previous, now),
  };
}

/** The previous key while its overlap lasts. */
export function stillValid(previous: PreviousKey | undefined, now: number): PreviousKey | undefined {
  if (previous === undefined) return undefined;
  const end = Date.parse(previous.expiresAt);
  return Number.isFinite(end) && end > now ? previous : undefined;
}

/** The annotations that record a decision on the consumer Secret. */
export function keyStateAnnotations(decision: KeyDecision): Record<string, string> {
  return {
    ...(decision.trigger !== undefined ? { [keyAnnotations.rotationTrigger]: decision.trigger } : {}),
    ...(decision.previous !== undefined
      ? {
          [keyAnnotations.previousHash]: decision.previous.hash,
          [keyAnnotations.previousExpiresAt]: decision.previous.expiresAt,
        }
      : {}),
  };
}

/** First 12 hex digits of the key's SHA-256: tells keys apart in status and events, reveals nothing. */
export function keyIdOf(hash: string): string {
  return hash.slice(0, 12);
}

function recheck(previous: PreviousKey | undefined, now: number): number | undefined {
  // A second past the end, so the recheck does not land just before it.
  return previous === undefined ? undefined : Math.max(0, Date.parse(previous.expiresAt) - now) + 1_000;
}
