import type { DeploymentJson, JobJson, KubeJson } from '../controllers/kube-json.ts';

/**
 * What the caches of children keep: what the controllers read of them (kube-json.ts names it), no more.
 * The rest (pod templates, ConfigMap data, Service ports …) is the operator's own rendering, which it
 * applies and never reads back: the applied-hash annotation says whether a child is current. At 200
 * gateways (e2e/scale) the whole objects were several MB of live heap.
 */
export function metadataOnly(object: KubeJson): KubeJson {
  const { apiVersion, kind, metadata } = object;
  return {
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/** A Deployment's status, replicas and container images (rollout progress, the running image). */
export function deploymentFields(object: DeploymentJson): DeploymentJson {
  const { spec, status } = object;
  const containers = spec?.template?.spec?.containers?.map(({ name, image }) => ({
    ...(name !== undefined ? { name } : {}),
    ...(image !== undefined ? { image } : {}),
  }));
  return {
    ...metadataOnly(object),
    ...(spec !== undefined
      ? {
          spec: {
            ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
            ...(containers !== undefined ? { template: { spec: { containers } } } : {}),
          },
        }
      : {}),
    ...(status !== undefined ? { status } : {}),
  };
}

/** A Job's status (its conditions say whether the migration finished). */
export function jobFields(object: JobJson): JobJson {
  const { status } = object;
  return { ...metadataOnly(object), ...(status !== undefined ? { status } : {}) };
}
