import type { ModelDeployment } from '../api/model-deployment.ts';
import type { VirtualKey } from '../api/virtual-key.ts';
import { kindKey } from '../kube/object-key.ts';
import { consumerSecretName } from '../render/consumer-secret.ts';
import { credentialFiles } from '../render/credentials.ts';
import { envSecretRefs } from '../render/env.ts';
import type { LLMGateway } from '../api/llm-gateway.ts';
import type { KubeJson, PodJson } from './kube-json.ts';

/** Queue keys: one queue serves the three kinds, so a key names its kind. */
export const gatewayKey = (namespace: string, name: string): string =>
  kindKey('LLMGateway', { namespace, name });
export const modelKey = (namespace: string, name: string): string =>
  kindKey('ModelDeployment', { namespace, name });
export const virtualKeyKey = (namespace: string, name: string): string =>
  kindKey('VirtualKey', { namespace, name });

/** What a namespace holds, parsed: enough to find who references what. */
export interface Members {
  readonly gateways: readonly LLMGateway[];
  readonly models: readonly ModelDeployment[];
  readonly virtualKeys: readonly VirtualKey[];
}

/** A gateway changed: it, and its models and keys (their status depends on it). */
export function keysForGateway(namespace: string, name: string, members: Members): string[] {
  return [
    gatewayKey(namespace, name),
    ...members.models
      .filter((m) => m.spec.gatewayRef.name === name)
      .map((m) => modelKey(namespace, m.metadata.name)),
    ...members.virtualKeys
      .filter((k) => k.spec.gatewayRef.name === name)
      .map((k) => virtualKeyKey(namespace, k.metadata.name)),
  ];
}

/** A ModelDeployment changed: it, and the gateway its ref names (also the old one's, via the cached object). */
export function keysForModel(model: ModelDeployment): string[] {
  const { namespace, name } = model.metadata;
  return [modelKey(namespace, name), gatewayKey(namespace, model.spec.gatewayRef.name)];
}

export function keysForVirtualKey(virtualKey: VirtualKey): string[] {
  const { namespace, name } = virtualKey.metadata;
  return [virtualKeyKey(namespace, name), gatewayKey(namespace, virtualKey.spec.gatewayRef.name)];
}

/** A child changed (or was deleted behind our back): its controlling owner, to put it right. */
export function keysForChild(child: KubeJson): string[] {
  const namespace = child.metadata?.namespace ?? '';
  const owner = child.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (!owner?.apiVersion.startsWith('switchyard.dev/')) return [];
  if (owner.kind === 'LLMGateway') return [gatewayKey(namespace, owner.name)];
  if (owner.kind === 'VirtualKey') return [virtualKeyKey(namespace, owner.name)];
  return [];
}

/**
 * A migration pod exited 0: its gateway, named by the pod's instance label (the pod's owner is the Job, not
 * the gateway), which may roll before the Job controller marks the Job complete. Its other steps (created,
 * scheduled, running) change nothing the gateway reads: at 200 gateways they were ~600 reconciles that
 * kept the models' and keys' statuses waiting (e2e/scale).
 */
export function keysForMigrationPod(pod: PodJson): string[] {
  const gateway = pod.metadata?.labels?.['app.kubernetes.io/instance'];
  if (gateway === undefined || pod.status?.phase !== 'Succeeded') return [];
  return [gatewayKey(pod.metadata?.namespace ?? '', gateway)];
}

/**
 * A Secret changed: the objects whose desired state reads it. Gateways read their env Secrets, their
 * models' credentials and their keys' Secrets (for the hashes); models and keys report whether theirs exist.
 */
export function keysForSecret(secret: KubeJson, members: Members): string[] {
  return keysForSecretIn(secret, secretReferences(members));
}

/** Secret name → the keys of the objects that read it: keysForSecret as an index, built once per world. */
export type SecretReferences = ReadonlyMap<string, readonly string[]>;

export function secretReferences(members: Members): SecretReferences {
  const index = new Map<string, Set<string>>();
  const add = (name: string, keys: readonly string[]) => {
    let set = index.get(name);
    if (set === undefined) index.set(name, (set = new Set()));
    for (const key of keys) set.add(key);
  };
  for (const gateway of members.gateways) {
    const key = gatewayKey(gateway.metadata.namespace, gateway.metadata.name);
    for (const ref of envSecretRefs(gateway.spec)) add(ref.name, [key]);
  }
  for (const model of members.models) {
    for (const file of credentialFiles(model)) add(file.ref.name, keysForModel(model));
  }
  for (const virtualKey of members.virtualKeys) {
    const existing = virtualKey.spec.existingSecretRef;
    add(
      existing !== undefined ? existing.name : consumerSecretName(virtualKey),
      keysForVirtualKey(virtualKey),
    );
  }
  return new Map([...index].map(([name, keys]) => [name, [...keys]]));
}

export function keysForSecretIn(secret: KubeJson, references: SecretReferences): string[] {
  const keys = new Set<string>(keysForChild(secret));
  for (const key of references.get(secret.metadata?.name ?? '') ?? []) keys.add(key);
  return [...keys];
}
