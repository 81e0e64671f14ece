import type { KubeConnection } from './kube-connection.ts';
import { isNotFound } from './api-error.ts';
import { kubeRequest } from './kube-request.ts';
import type { LeaseRecord } from './lease-decision.ts';
import { builtInResources, collectionPath, objectPath } from './resource-type.ts';

export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** Where the election keeps its Lease; create and update fail (409) when someone else got there first. */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Optimistic concurrency: fails unless the Lease is still at `resourceVersion`. */
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** A coordination.k8s.io/v1 Lease as JSON (times are MicroTime strings, kept as such). */
interface LeaseJson {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly spec?: LeaseRecord;
}

/** A coordination.k8s.io/v1 Lease, read and replaced as plain JSON. */
export function kubeLeaseStore(kubeConfig: KubeConnection, namespace: string, name: string): LeaseStore {
  const lease = builtInResources.lease;
  const body = (record: LeaseRecord, resourceVersion?: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    spec: record,
  });
  return {
    async get() {
      try {
        return fromJson(
          await kubeRequest<LeaseJson>(kubeConfig, {
            method: 'GET',
            path: objectPath(lease, name, namespace),
          }),
        );
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async create(record) {
      return fromJson(
        await kubeRequest<LeaseJson>(kubeConfig, {
          method: 'POST',
          path: collectionPath(lease, namespace),
          body: body(record),
        }),
      );
    },
    async update(record, resourceVersion) {
      // PUT with metadata.resourceVersion: the apiserver answers 409 if anyone wrote in between.
      return fromJson(
        await kubeRequest<LeaseJson>(kubeConfig, {
          method: 'PUT',
          path: objectPath(lease, name, namespace),
          body: body(record, resourceVersion),
        }),
      );
    },
  };
}

function fromJson(json: LeaseJson): StoredLease {
  const spec = json.spec ?? {};
  return {
    resourceVersion: json.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity,
      leaseDurationSeconds: spec.leaseDurationSeconds,
      acquireTime: spec.acquireTime,
      renewTime: spec.renewTime,
      leaseTransitions: spec.leaseTransitions,
    },
  };
}
