import type { SecretKeyRef } from '../api/common.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import { credentialFilePath } from './contract.ts';

/** One credential of a ModelDeployment, copied into the gateway's credentials Secret and mounted as a file. */
export interface CredentialFile {
  /** Key in the credentials Secret and file name under the credentials mount: `<modeldeployment>.<param>`. */
  readonly fileKey: string;
  /** The litellm_params key it is referenced from (`api_key`, `vertex_credentials`, ...). */
  readonly param: string;
  readonly ref: SecretKeyRef;
}

/**
 * The credential files of one ModelDeployment. Keys are unique per gateway: ModelDeployment names are unique
 * in the namespace and param names hold no dot, so `<name>.<param>` splits one way only.
 */
export function credentialFiles(model: ModelDeployment): CredentialFile[] {
  const files: CredentialFile[] = [];
  const name = model.metadata.name;
  if (model.spec.credentialsSecretRef !== undefined)
    files.push({ fileKey: `${name}.api_key`, param: 'api_key', ref: model.spec.credentialsSecretRef });
  for (const [param, value] of sortedEntries(model.spec.params ?? {})) {
    if (value.secretKeyRef !== undefined)
      files.push({ fileKey: `${name}.${param}`, param, ref: value.secretKeyRef });
  }
  return files;
}

/** `file:/etc/switchyard/credentials/<key>`: the gateway re-reads it every few seconds, so it can rotate. */
export function fileReference(file: CredentialFile): string {
  return `file:${credentialFilePath(file.fileKey)}`;
}

export function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
