import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { gatewayLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Applied } from './kube-object.ts';

/**
 * An autoscaling/v2 HPA on CPU and memory utilisation, or undefined without spec.autoscaling. Scale-down is
 * slowed: every removed pod drains for up to its grace period.
 */
export function horizontalPodAutoscaler(gateway: LLMGateway): Applied<V2HorizontalPodAutoscaler> | undefined {
  const autoscaling = gateway.spec.autoscaling;
  if (autoscaling === undefined) return undefined;
  const names = childNames(gateway.metadata.name);
  const utilization = (name: string, averageUtilization: number) => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: names.hpa,
      namespace: gateway.metadata.namespace,
      labels: gatewayLabels(gateway),
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.deployment },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        utilization('cpu', autoscaling.targetCPUUtilizationPercentage),
        utilization('memory', autoscaling.targetMemoryUtilizationPercentage),
      ],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 300,
          policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
        },
      },
    },
  };
}
