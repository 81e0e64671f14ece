import type { SecretKeyRef } from '../api/common.ts';
import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import type { VirtualKey } from '../api/virtual-key.ts';
import { fromBase64, toBase64 } from '../render/base64.ts';
import { credentialFiles } from '../render/credentials.ts';
import { envSecretRefs } from '../render/env.ts';
import { sha256 } from '../render/hash.ts';
import type { IssuedKey } from '../render/keys-file.ts';
import type { SecretStore } from '../render/secret-refs.ts';

/**
 * What the controller would read from the cluster, made up deterministically for an offline render: uids,
 * referenced Secrets that were not given, and keys (the controller generates those; a builder never does).
 */
export const generatedKeyPlaceholder = 'sk-placeholder-generated-by-the-operator';

/** A stable, UUID-shaped stand-in for metadata.uid. */
export function placeholderUid(kind: string, namespace: string, name: string): string {
  const hex = sha256(`${kind}/${namespace}/${name}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function withUid<
  T extends { kind: string; metadata: { name: string; namespace: string; uid?: string | undefined } },
>(object: T): T {
  if (object.metadata.uid !== undefined) return object;
  const uid = placeholderUid(object.kind, object.metadata.namespace, object.metadata.name);
  return { ...object, metadata: { ...object.metadata, uid } };
}

/** The Secrets of one namespace: those given, plus a placeholder for every referenced key that was not. */
export function offlineSecrets(
  namespace: string,
  given: ReadonlyMap<string, Readonly<Record<string, string>>>,
  refs: readonly SecretKeyRef[],
): SecretStore {
  const store = new Map<string, Record<string, string>>();
  for (const [id, data] of given) {
    const [secretNamespace, name] = id.split('/');
    if (secretNamespace === namespace && name !== undefined) store.set(name, { ...data });
  }
  for (const ref of refs) {
    const data = store.get(ref.name) ?? {};
    data[ref.key] ??= toBase64(`placeholder for Secret ${ref.name} key ${ref.key}`);
    store.set(ref.name, data);
  }
  return store;
}

export function referencedSecretKeys(
  gateway: LLMGateway,
  models: readonly ModelDeployment[],
  virtualKeys: readonly VirtualKey[],
): SecretKeyRef[] {
  return [
    ...envSecretRefs(gateway.spec),
    ...models.flatMap((model) => credentialFiles(model).map((file) => file.ref)),
    ...virtualKeys.flatMap((key) =>
      key.spec.existingSecretRef === undefined ? [] : [key.spec.existingSecretRef],
    ),
  ];
}

/** Hashes of the keys: of the existing Secret's key when given, else of the placeholder. */
export function offlineIssuedKey(virtualKey: VirtualKey, secrets: SecretStore): IssuedKey {
  const ref = virtualKey.spec.existingSecretRef;
  const data = ref === undefined ? undefined : secrets.get(ref.name)?.[ref.key];
  const key =
    data === undefined ? `${generatedKeyPlaceholder}-${virtualKey.metadata.name}` : fromBase64(data);
  return { virtualKey, hash: sha256(key) };
}
