import type { V1OwnerReference } from '@kubernetes/client-node';
import { apiVersion } from '../api/group.ts';
import type { ObjectMeta } from '../api/object-meta.ts';
import type { Plain } from './kube-object.ts';

/** The controller reference that makes a child garbage-collected with its owner. */
export function ownerReference(kind: string, metadata: ObjectMeta): Plain<V1OwnerReference> {
  if (metadata.uid === undefined) throw new Error(`${kind} ${metadata.name} has no uid`);
  return {
    apiVersion,
    kind,
    name: metadata.name,
    uid: metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
