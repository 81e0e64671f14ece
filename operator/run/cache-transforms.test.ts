import { describe, expect, it } from 'vitest';
import { deploymentFields, jobFields, metadataOnly } from './cache-transforms.ts';

const metadata = {
  name: 'gw',
  namespace: 'llm',
  uid: 'u1',
  generation: 3,
  resourceVersion: '42',
  labels: { 'app.kubernetes.io/managed-by': 'switchyard-operator' },
  annotations: { 'switchyard.dev/applied-hash': 'abc' },
  ownerReferences: [
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'LLMGateway', name: 'gw', uid: 'g1', controller: true },
  ],
};

describe('cache transforms', () => {
  it('keeps the metadata of a child whose spec nothing reads', () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: { 'config.yaml': 'model_list: []' },
    };
    expect(metadataOnly(configMap)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata });
  });

  it('keeps of a Deployment what the rollout and the image check read', () => {
    const status = {
      observedGeneration: 3,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    };
    const deployment = {
      metadata,
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'gw' } },
        template: {
          metadata: { labels: { app: 'gw' } },
          spec: {
            containers: [
              {
                name: 'gateway',
                image: 'gw:1',
                env: [{ name: 'A', value: 'b' }],
                ports: [{ containerPort: 4000 }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'gw-config' } }],
          },
        },
      },
      status,
    };
    expect(deploymentFields(deployment)).toEqual({
      metadata,
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'gateway', image: 'gw:1' }] } } },
      status,
    });
    // Under an HPA the Deployment has no replicas of ours; nothing is made up.
    expect(deploymentFields({ metadata, spec: {} })).toEqual({ metadata, spec: {} });
  });

  it("keeps a Job's status, not its pod template", () => {
    const status = { conditions: [{ type: 'Complete', status: 'True' }] };
    const job = { metadata, spec: { template: { spec: { containers: [] } } }, status };
    expect(jobFields(job)).toEqual({ metadata, status });
  });
});
