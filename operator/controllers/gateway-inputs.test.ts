import { describe, expect, it } from 'vitest';
import { migrationJobState } from './gateway-inputs.ts';
import type { CacheReader } from './caches.ts';
import type { JobJson, PodJson } from './kube-json.ts';

const job = (conditions: { type: string; status: string }[] = []): JobJson => ({
  metadata: { name: 'main-migrate-1a2b', namespace: 'llm', uid: 'job-uid' },
  status: { conditions },
});

const pod = (phase: string, ownerUid = 'job-uid'): PodJson => ({
  metadata: {
    name: `main-migrate-1a2b-${phase.toLowerCase()}`,
    namespace: 'llm',
    ownerReferences: [
      { apiVersion: 'batch/v1', kind: 'Job', name: 'main-migrate-1a2b', uid: ownerUid, controller: true },
    ],
  },
  status: { phase },
});

/** The pods cache, as the informer's reader. */
const cached = (...pods: PodJson[]): CacheReader<PodJson> => ({
  get: (name) => pods.find((each) => each.metadata?.name === name),
  list: (namespace) => pods.filter((each) => each.metadata?.namespace === namespace),
});

describe('migrationJobState', () => {
  it("reads the Job's conditions first", () => {
    expect(migrationJobState(job([{ type: 'Complete', status: 'True' }]), cached())).toBe('succeeded');
    expect(migrationJobState(job([{ type: 'Failed', status: 'True' }]), cached(pod('Failed')))).toBe(
      'failed',
    );
    expect(migrationJobState(job(), cached())).toBe('running');
  });

  it('counts a pod of the Job that exited 0 as a finished migration before the Job controller does', () => {
    expect(migrationJobState(job(), cached(pod('Running')))).toBe('running');
    expect(migrationJobState(job(), cached(pod('Failed'), pod('Succeeded')))).toBe('succeeded');
  });

  it("ignores a succeeded pod another Job controls (an older image's migration), or in another namespace", () => {
    expect(migrationJobState(job(), cached(pod('Succeeded', 'other-job-uid')))).toBe('running');
    const elsewhere = pod('Succeeded');
    const moved = { ...elsewhere, metadata: { ...elsewhere.metadata, namespace: 'other' } };
    expect(migrationJobState(job(), cached(moved))).toBe('running');
  });
});
