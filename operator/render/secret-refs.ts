import type { SecretKeyRef } from '../api/common.ts';

/** Secrets as the controller read them from its cache: name → data (base64 values, as in `Secret.data`). */
export type SecretStore = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** The base64 value at a ref, or undefined when the Secret or its key is missing. */
export function lookup(secrets: SecretStore, ref: SecretKeyRef): string | undefined {
  return secrets.get(ref.name)?.[ref.key];
}

export function describeRef(ref: SecretKeyRef): string {
  return `Secret ${ref.name} key ${ref.key}`;
}
