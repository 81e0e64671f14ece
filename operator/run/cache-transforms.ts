import type { DeploymentJson, JobJson, KubeJson, PodJson } from '../controllers/kube-json.ts';

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

/**
 * A Deployment's replicas, container images and the part of its status the rollout reads (counts, and
 * of its conditions only Progressing's reason, which tells a deadline exceeded): the Deployment controller's
 * other status writes (times, messages, unavailable counts) then leave the cached copy as it was, and the
 * informer does not wake the gateway for them.
 */
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
    ...(status !== undefined ? { status: rolloutStatus(status) } : {}),
  };
}

function rolloutStatus(status: NonNullable<DeploymentJson['status']>): NonNullable<DeploymentJson['status']> {
  const { observedGeneration, replicas, updatedReplicas, readyReplicas, availableReplicas } = status;
  const progressing = (status.conditions ?? [])
    .filter((condition) => condition.type === 'Progressing')
    .map((condition) => conditionFields(condition, ['type', 'status', 'reason']));
  return {
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(updatedReplicas !== undefined ? { updatedReplicas } : {}),
    ...(readyReplicas !== undefined ? { readyReplicas } : {}),
    ...(availableReplicas !== undefined ? { availableReplicas } : {}),
    ...(progressing.length > 0 ? { conditions: progressing } : {}),
  };
}

/**
 * A Job's conditions (whether the migration finished, and why it failed), without their times: its
 * counts of active, ready and uncounted pods change at every step of the Job controller and are not read.
 */
export function jobFields(object: JobJson): JobJson {
  const { status } = object;
  const conditions = status?.conditions?.map((condition) =>
    conditionFields(condition, ['type', 'status', 'reason', 'message']),
  );
  return {
    ...metadataOnly(object),
    ...(status !== undefined ? { status: conditions !== undefined ? { conditions } : {} } : {}),
  };
}

/** A pod's owner and phase: the kubelet's other status writes (conditions, container states) change nothing. */
export function podPhase(object: PodJson): PodJson {
  const phase = object.status?.phase;
  return { ...metadataOnly(object), ...(phase !== undefined ? { status: { phase } } : {}) };
}

/** The named fields of a condition that it has (no times: they change without the condition changing). */
function conditionFields<K extends string>(
  condition: Partial<Record<K, string>>,
  fields: readonly K[],
): Partial<Record<K, string>> {
  const kept: Partial<Record<K, string>> = {};
  for (const field of fields) {
    const value = condition[field];
    if (value !== undefined) kept[field] = value;
  }
  return kept;
}
