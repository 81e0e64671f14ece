import {
  keysFileSchema,
  keysFileVersion,
  type FileKey,
  type KeysFile,
} from '../../gateway/auth/keys-file-schema.ts';
import type { VirtualKey } from '../api/virtual-key.ts';

/**
 * A VirtualKey with the hashes of its keys, as the controller knows them (it generates keys and reads
 * existing Secrets; builders never see a key, only its hash).
 */
export interface IssuedKey {
  readonly virtualKey: VirtualKey;
  /** Lowercase hex SHA-256 of the current key. */
  readonly hash: string;
  /** The key replaced by the last rotation, accepted until `expiresAt` (RFC 3339). */
  readonly previous?: { readonly hash: string; readonly expiresAt: string };
}

export const previousKeyMetadata = 'switchyard.dev/rotation';

/**
 * The gateway's keys file: one entry per key, its policy in LiteLLM's names. Ordered by source, so the file
 * (and the Secret holding it) changes only when a key or its policy does. Deleted VirtualKeys are left out,
 * which revokes them.
 */
export function keysFile(keys: readonly IssuedKey[]): KeysFile {
  const live = keys.filter((issued) => issued.virtualKey.metadata.deletionTimestamp === undefined);
  const entries = [...live]
    .sort((a, b) => compare(sourceOf(a.virtualKey), sourceOf(b.virtualKey)))
    .flatMap((issued) => {
      const current = entry(issued.virtualKey, issued.hash, issued.virtualKey.spec.expires);
      if (issued.previous === undefined) return [current];
      const expires = earlier(issued.virtualKey.spec.expires, issued.previous.expiresAt);
      const previous = entry(issued.virtualKey, issued.previous.hash, expires);
      return [
        current,
        { ...previous, metadata: { ...previous.metadata, [previousKeyMetadata]: 'previous' } },
      ];
    });
  // Parsing with the gateway's own schema makes a contract break fail here, not in the pods.
  return keysFileSchema.parse({ version: keysFileVersion, keys: entries });
}

export function sourceOf(virtualKey: VirtualKey): string {
  return `${virtualKey.metadata.namespace}/${virtualKey.metadata.name}`;
}

function entry(virtualKey: VirtualKey, hash: string, expires: string | undefined): FileKey {
  const spec = virtualKey.spec;
  const key: FileKey = { hash, source: sourceOf(virtualKey) };
  if (spec.keyAlias !== undefined) key.key_alias = spec.keyAlias;
  if (spec.models !== undefined && spec.models.length > 0) key.models = [...spec.models];
  if (spec.maxBudget !== undefined) key.max_budget = Number(spec.maxBudget);
  if (spec.budgetDuration !== undefined) key.budget_duration = spec.budgetDuration;
  if (spec.rpmLimit !== undefined) key.rpm_limit = spec.rpmLimit;
  if (spec.tpmLimit !== undefined) key.tpm_limit = spec.tpmLimit;
  if (spec.maxParallelRequests !== undefined) key.max_parallel_requests = spec.maxParallelRequests;
  if (expires !== undefined) key.expires = expires;
  if (spec.metadata !== undefined) key.metadata = { ...spec.metadata };
  return key;
}

/** The earlier of two RFC 3339 times (compared as instants: offsets may differ). */
function earlier(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
