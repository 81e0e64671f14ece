import type { VirtualKey } from '../api/virtual-key.ts';
import { fromBase64 } from '../render/base64.ts';
import { consumerSecretName } from '../render/consumer-secret.ts';
import { sha256 } from '../render/hash.ts';
import type { IssuedKey } from '../render/keys-file.ts';
import type { CacheReader } from './caches.ts';
import { readStoredKey, stillValid } from './key-state.ts';
import type { SecretJson } from './kube-json.ts';

/**
 * The hashes of a VirtualKey's keys, as the gateway's keys file needs them: of the existing Secret's key,
 * or of the generated key in the consumer Secret plus the previous one while its overlap lasts.
 * Undefined while there is no key yet (the VirtualKey's reconcile makes it; its Secret's event brings the
 * gateway back here).
 */
export function issuedKey(
  virtualKey: VirtualKey,
  secrets: CacheReader<SecretJson>,
  now: number,
): IssuedKey | undefined {
  const { namespace, uid } = virtualKey.metadata;
  const existing = virtualKey.spec.existingSecretRef;
  if (existing !== undefined) {
    const key = existingKey(secrets.get(existing.name, namespace)?.data?.[existing.key]);
    return key === undefined ? undefined : { virtualKey, hash: sha256(key) };
  }
  const stored = readStoredKey(secrets.get(consumerSecretName(virtualKey), namespace), uid);
  if (stored.key === undefined) return undefined;
  const previous = stillValid(stored.previous, now);
  return { virtualKey, hash: sha256(stored.key), ...(previous !== undefined ? { previous } : {}) };
}

/**
 * A key from a user's Secret. Trailing whitespace is dropped: `kubectl create secret --from-file` keeps
 * the file's final newline, which no client sends.
 */
export function existingKey(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  const key = fromBase64(data).trimEnd();
  return key === '' ? undefined : key;
}
