import type { SecretKeyRef } from '../api/common.ts';
import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import { isControlledBy } from '../kube/owner-references.ts';
import type { ClusterCapabilities } from '../render/capabilities.ts';
import { credentialFiles } from '../render/credentials.ts';
import { envSecretRefs } from '../render/env.ts';
import type { MigrationJobState } from '../render/migration-gate.ts';
import { migrationJobName } from '../render/migration-job.ts';
import { childNames } from '../render/names.ts';
import type { GatewayRenderInput } from '../render/render-gateway.ts';
import type { SecretStore } from '../render/secret-refs.ts';
import type { CacheReader, Caches } from './caches.ts';
import { issuedKey } from './issued-keys.ts';
import type { DeploymentJson, JobJson, PodJson } from './kube-json.ts';
import { parsedOnly, parseModel, parseVirtualKey } from './parse-resources.ts';

export interface GatewayInputDeps {
  readonly caches: Caches;
  readonly capabilities: ClusterCapabilities;
  readonly defaultImage: string;
  readonly now: number;
}

/**
 * Everything the gateway's render depends on, read from the caches: its ModelDeployments,
 * its VirtualKeys' hashes, the Secrets they all reference, the cluster's capabilities and the migration
 * state. The gateway and ModelDeployment reconciles both render from this, so they agree.
 */
export function gatewayRenderInput(deps: GatewayInputDeps, gateway: LLMGateway): GatewayRenderInput {
  const { caches, now } = deps;
  const { name, namespace, uid } = gateway.metadata;
  const { models, secrets } = gatewayModelInputs(caches, gateway);
  const virtualKeys = parsedOnly(caches.virtualKeysOf(namespace, name), parseVirtualKey);
  const keys = virtualKeys.flatMap((key) => {
    const issued = issuedKey(key, caches.secrets, now);
    return issued === undefined ? [] : [issued];
  });
  const desiredImage = gateway.spec.image ?? deps.defaultImage;
  const job = controlled(caches.jobs.get(migrationJobName(name, desiredImage), namespace), uid);
  const deployment = controlled(caches.deployments.get(childNames(name).deployment, namespace), uid);
  const jobState = job === undefined ? undefined : migrationJobState(job, caches.migrationPods);
  const currentImage = deploymentImage(deployment);
  const migratedImage = gateway.status?.migratedImage;
  return {
    gateway,
    models,
    keys,
    secrets,
    capabilities: deps.capabilities,
    defaultImage: deps.defaultImage,
    migration: {
      ...(migratedImage !== undefined ? { migratedImage } : {}),
      ...(jobState !== undefined ? { job: jobState } : {}),
      ...(currentImage !== undefined ? { currentImage } : {}),
    },
  };
}

/**
 * What the gateway's config depends on: its ModelDeployments (by the index on gatewayRef) and the Secrets
 * the gateway and its models reference. Enough for a ModelDeployment's status (render-gateway.ts modelProblems).
 */
export function gatewayModelInputs(
  caches: Caches,
  gateway: LLMGateway,
): { readonly models: readonly ModelDeployment[]; readonly secrets: SecretStore } {
  const { name, namespace } = gateway.metadata;
  const models = parsedOnly(caches.modelsOf(namespace, name), parseModel);
  const refs = [
    ...envSecretRefs(gateway.spec),
    ...models.flatMap((model) => credentialFiles(model).map((file) => file.ref)),
  ];
  return { models, secrets: secretStore(caches, namespace, refs) };
}

/** Only the Secrets referenced: the render sees no more than it needs. */
export function secretStore(caches: Caches, namespace: string, refs: readonly SecretKeyRef[]): SecretStore {
  const store = new Map<string, Readonly<Record<string, string>>>();
  for (const ref of refs) {
    if (store.has(ref.name)) continue;
    const data = caches.secrets.get(ref.name, namespace)?.data;
    if (data !== undefined) store.set(ref.name, data);
  }
  return store;
}

/**
 * Where the migration Job is. A pod of it that exited 0 is a finished migration, read as soon as the kubelet
 * says so: the Job's Complete condition comes later, after the Job controller (20 requests a second in a
 * default controller-manager, ~7 a Job) has removed the pod's finalizer and counted it (e2e/scale).
 */
export function migrationJobState(job: JobJson, pods: CacheReader<PodJson>): MigrationJobState {
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
  if (holds('Complete')) return 'succeeded';
  if (holds('Failed')) return 'failed';
  const uid = job.metadata?.uid;
  const succeeded = pods
    .list(job.metadata?.namespace)
    .some((pod) => pod.status?.phase === 'Succeeded' && controlled(pod, uid) !== undefined);
  return succeeded ? 'succeeded' : 'running';
}

/** The image of the gateway container in the live pod template. */
export function deploymentImage(deployment: DeploymentJson | undefined): string | undefined {
  const containers = deployment?.spec?.template?.spec?.containers ?? [];
  return containers.find((container) => container.name === 'gateway')?.image;
}

/** A child counts only if this gateway controls it: a same-named object of someone else's is not ours. */
export function controlled<T extends { metadata?: { ownerReferences?: unknown } | undefined }>(
  object: T | undefined,
  uid: string | undefined,
): T | undefined {
  if (object === undefined || uid === undefined) return undefined;
  return isControlledBy(object as Parameters<typeof isControlledBy>[0], uid) ? object : undefined;
}
