import { describe, expect, it } from 'vitest';
import type { JobJson } from '../controllers/kube-json.ts';
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
    // The Deployment controller's other status writes (times, messages, unavailable counts) change nothing
    // kept, so the informer has no change to report for them.
    const progressing = (reason: string, lastUpdateTime: string) => ({
      ...deployment,
      status: {
        ...status,
        unavailableReplicas: 0,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime },
          { type: 'Progressing', status: 'True', reason, message: 'progress', lastUpdateTime },
        ],
      },
    });
    expect(deploymentFields(progressing('NewReplicaSetAvailable', 't1')).status).toEqual({
      ...status,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    });
    expect(deploymentFields(progressing('NewReplicaSetAvailable', 't1'))).toEqual(
      deploymentFields(progressing('NewReplicaSetAvailable', 't2')),
    );
    // Under an HPA the Deployment has no replicas of ours; nothing is made up.
    expect(deploymentFields({ metadata, spec: {} })).toEqual({ metadata, spec: {} });
  });

  it("keeps a Job's conditions, not its pod template nor its pod counts", () => {
    const status = { conditions: [{ type: 'Complete', status: 'True' }] };
    const job = { metadata, spec: { template: { spec: { containers: [] } } }, status };
    expect(jobFields(job)).toEqual({ metadata, status });
    // Counts the Job controller writes, beside the conditions JobJson names.
    const running = (ready: number): JobJson => ({
      metadata,
      status: {
        active: 1,
        ready,
        startTime: '2026-12-01T10:00:00Z',
        uncountedTerminatedPods: {},
      } as NonNullable<JobJson['status']>,
    });
    expect(jobFields(running(0))).toEqual({ metadata, status: {} });
    expect(jobFields(running(1))).toEqual(jobFields(running(0)));
    const failed = {
      metadata,
      status: {
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: '2026-12-01T10:00:00Z',
          },
        ],
      },
    };
    expect(jobFields(failed).status).toEqual({
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    });
  });
});
