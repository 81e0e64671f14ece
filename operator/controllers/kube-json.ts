import type { OwnerReference } from '../kube/owner-references.ts';
import type { LiveCondition } from '../kube/conditions.ts';

/**
 * Objects as the informer caches hold them: the apiserver's JSON, not client-node's model classes. Only
 * the fields the controllers read are named; everything is optional because a cache gives no guarantee.
 */
export interface ObjectMetaJson {
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
  readonly generation?: number | undefined;
  readonly resourceVersion?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  readonly ownerReferences?: readonly OwnerReference[] | undefined;
  readonly deletionTimestamp?: string | undefined;
}

export interface KubeJson {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?: ObjectMetaJson | undefined;
}

export interface SecretJson extends KubeJson {
  readonly data?: Readonly<Record<string, string>> | undefined;
}

/** One of the three custom resources, before it is parsed with its schema. */
export interface CustomResourceJson extends KubeJson {
  readonly spec?: unknown;
  readonly status?: { readonly conditions?: readonly LiveCondition[] | undefined } & Record<string, unknown>;
}

export interface DeploymentJson extends KubeJson {
  readonly spec?: {
    readonly replicas?: number | undefined;
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly { readonly name?: string; readonly image?: string }[] | undefined;
      };
    };
  };
  readonly status?: {
    readonly observedGeneration?: number | undefined;
    readonly replicas?: number | undefined;
    readonly updatedReplicas?: number | undefined;
    readonly readyReplicas?: number | undefined;
    readonly availableReplicas?: number | undefined;
    readonly conditions?:
      readonly { readonly type?: string; readonly status?: string; readonly reason?: string }[] | undefined;
  };
}

/** A migration Job's pod: only its phase is read (a Succeeded pod is a finished migration). */
export interface PodJson extends KubeJson {
  readonly status?: { readonly phase?: string | undefined };
}

export interface JobJson extends KubeJson {
  readonly status?: {
    readonly conditions?:
      | readonly {
          readonly type?: string;
          readonly status?: string;
          readonly reason?: string;
          readonly message?: string;
        }[]
      | undefined;
  };
}

export function nameOf(object: KubeJson): string {
  return object.metadata?.name ?? '';
}

export function namespaceOf(object: KubeJson): string {
  return object.metadata?.namespace ?? '';
}

/** The object with its apiVersion and kind, which list items of built-in kinds lack (for events). */
export function withKind<T extends KubeJson>(object: T, apiVersion: string, kind: string): T {
  return { ...object, apiVersion, kind };
}
