import type { V1PodSpec, V1Toleration, V1TopologySpreadConstraint } from '@kubernetes/client-node';
import type { LLMGatewaySpec } from '../api/llm-gateway.ts';
import { compact } from './compact.ts';
import { selectorLabels } from './labels.ts';
import type { Plain } from './kube-object.ts';

type PodOverrides = Pick<
  Plain<V1PodSpec>,
  'nodeSelector' | 'tolerations' | 'affinity' | 'priorityClassName' | 'imagePullSecrets'
>;

/** The user's pod overrides (placement, priority, pull secrets), shared by the gateway pods and the migration Job. */
export function podOverrides(spec: LLMGatewaySpec): PodOverrides {
  const pod = spec.pod;
  const out: PodOverrides = {};
  if (pod?.nodeSelector !== undefined) out.nodeSelector = { ...pod.nodeSelector };
  if (pod?.tolerations !== undefined)
    out.tolerations = pod.tolerations.map((t): Plain<V1Toleration> => compact(t));
  // The apiserver validates the affinity when it lands in the pod template.
  if (pod?.affinity !== undefined) out.affinity = pod.affinity;
  if (pod?.priorityClassName !== undefined) out.priorityClassName = pod.priorityClassName;
  if (pod?.imagePullSecrets !== undefined)
    out.imagePullSecrets = pod.imagePullSecrets.map(({ name }) => ({ name }));
  return out;
}

/**
 * Spread across nodes and zones, so one node or zone going away takes a fraction of the capacity.
 * ScheduleAnyway: a single-zone cluster still schedules. matchLabelKeys keeps a rollout's new pods spread.
 */
export function topologySpread(
  spec: LLMGatewaySpec,
  gatewayName: string,
): Plain<V1TopologySpreadConstraint>[] {
  const labelSelector = { matchLabels: selectorLabels(gatewayName) };
  const custom = spec.pod?.topologySpreadConstraints;
  if (custom !== undefined)
    return custom.map((constraint) =>
      compact({ ...constraint, labelSelector: constraint.labelSelector ?? labelSelector }),
    );
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector,
    matchLabelKeys: ['pod-template-hash'],
  }));
}
