import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * client-node models are classes; builders make plain objects of the same shape (and times are strings in
 * the YAML). Plain<T> is that shape.
 */
export type Plain<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? Plain<Item>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** Any object the operator applies: what server-side apply needs to address it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Plain<V1ObjectMeta> & { name: string; namespace: string };
}

/** A client-node type as a plain object, with what an applied object must carry. */
export type Applied<T> = Plain<T> & KubeObject;
