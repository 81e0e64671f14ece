/** metav1.OwnerReference, as a plain object. */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean | undefined;
  readonly blockOwnerDeletion?: boolean | undefined;
}

/** The parent as read from the cache: what an owner reference needs of it. */
export interface OwnerObject {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?: { readonly name?: string | undefined; readonly uid?: string | undefined } | undefined;
}

/**
 * The controller reference from a child to `parent`: the garbage collector deletes the child with
 * its parent, and (blockOwnerDeletion) a foreground deletion of the parent waits for it.
 */
export function controllerReference(parent: OwnerObject): OwnerReference {
  const { apiVersion, kind } = parent;
  const name = parent.metadata?.name;
  const uid = parent.metadata?.uid;
  // Objects read from the apiserver always have these; a missing one is a bug upstream.
  if (!apiVersion || !kind || !name || !uid) {
    throw new Error(`owner ${kind ?? '?'} ${name ?? '?'} lacks apiVersion, kind, name or uid`);
  }
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** Whether `child` is controlled by the object with `uid`. */
export function isControlledBy(
  child: {
    readonly metadata?: { readonly ownerReferences?: readonly OwnerReference[] | undefined } | undefined;
  },
  uid: string,
): boolean {
  return child.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.uid === uid) ?? false;
}
