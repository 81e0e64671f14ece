import { describe, expect, it } from 'vitest';
import { postgresGateway } from '../test-support/fixtures.ts';
import { horizontalPodAutoscaler } from './hpa.ts';

describe('horizontalPodAutoscaler', () => {
  it('scales the Deployment on CPU and memory, 60/80 by default', () => {
    const hpa = horizontalPodAutoscaler(
      postgresGateway({ autoscaling: { minReplicas: 3, maxReplicas: 12 } }),
    );
    expect(hpa?.apiVersion).toBe('autoscaling/v2');
    expect(hpa?.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'main' },
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
    });
    expect(hpa?.spec.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(300);
  });

  it('takes the targets from the spec', () => {
    const hpa = horizontalPodAutoscaler(
      postgresGateway({
        autoscaling: {
          maxReplicas: 4,
          targetCPUUtilizationPercentage: 50,
          targetMemoryUtilizationPercentage: 70,
        },
      }),
    );
    expect(hpa?.spec.metrics?.map((metric) => metric.resource?.target.averageUtilization)).toEqual([50, 70]);
  });

  it('is not rendered with fixed replicas', () => {
    expect(horizontalPodAutoscaler(postgresGateway({ replicas: 3 }))).toBeUndefined();
  });
});
