import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { isNotFound } from './api-error.ts';
import { apiVersionOf } from './resource-type.ts';
import type { ResourceType } from './resource-type.ts';
import { canonicalJson, stableHash } from './stable-hash.ts';

/** The one field manager of everything the operator writes, spec and status alike. */
export const FIELD_MANAGER = 'switchyard-operator';
/** Hash of the desired object last applied; equal to the desired hash means there is nothing to do. */
export const APPLIED_HASH_ANNOTATION = 'switchyard.dev/applied-hash';

/**
 * An object as a builder returns it (a plain object; spec, data … ride along). Only what apply needs
 * is named, so builders' plain types and client-node's model classes both fit.
 */
export interface DesiredObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string | undefined;
    readonly labels?: Readonly<Record<string, string>> | undefined;
    readonly annotations?: Readonly<Record<string, string>> | undefined;
  };
}

/** The live object from the informer cache (undefined: not there). */
export type LiveObject =
  | {
      readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> | undefined } | undefined;
    }
  | undefined;

export interface ApplyResult {
  /** False when skipped because the live object already matched. */
  readonly applied: boolean;
  readonly hash: string;
  /** What the apiserver returned, when applied. */
  readonly object?: KubernetesObject;
}

export interface StatusTarget {
  readonly resource: ResourceType;
  readonly name: string;
  readonly namespace?: string;
}

/** Every write the applier makes, for a metric and for the "0 writes in steady state" check. */
export interface WriteRecord {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly subresource?: 'status';
  readonly verb: 'apply' | 'delete';
}

export interface ApplierOptions {
  readonly fieldManager?: string;
  readonly onWrite?: (write: WriteRecord) => void;
}

/**
 * Server-side apply with one field manager and force, skipping the request entirely when the live
 * object (from the cache) already carries the hash of the desired one. Drift made by someone else
 * in fields we own is therefore corrected at our next change, not at every resync: the price of a
 * steady state with zero API writes.
 *
 * Field validation: an apply to a custom resource fails on a field its schema does not declare
 * whatever `fieldValidation` says (measured on v1.36: a 500 "field not declared in schema"), and for
 * built-in kinds client-node serializes the body through its model classes, which drop unknown
 * fields before sending. `patch()` takes no fieldValidation parameter; the status apply passes
 * Strict where the API takes it.
 */
export class Applier {
  private readonly objects: KubernetesObjectApi;
  private readonly customObjects: CustomObjectsApi;
  private readonly fieldManager: string;
  private readonly onWrite: ((write: WriteRecord) => void) | undefined;
  private writeCount = 0;

  constructor(kubeConfig: KubeConfig, options: ApplierOptions = {}) {
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.onWrite = options.onWrite;
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** API writes made so far (applies and deletes). */
  get writes(): number {
    return this.writeCount;
  }

  /** Applies `desired` unless `live` already has its hash. */
  // T lets an object literal carry its spec or data without an excess-property error.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  async apply<T extends DesiredObject>(desired: T, live: LiveObject): Promise<ApplyResult> {
    const hash = appliedHash(desired);
    if (!needsApply(hash, live)) return { applied: false, hash };
    // A copy: patch() fills in defaults on the object it is given.
    const copy = structuredClone(desired);
    const body = {
      ...copy,
      metadata: {
        ...copy.metadata,
        annotations: { ...copy.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash },
      },
    };
    this.recordWrite({
      kind: desired.kind,
      namespace: desired.metadata.namespace,
      name: desired.metadata.name,
      verb: 'apply',
    });
    // Positional arguments: pretty, dryRun, fieldManager, force, patch type. The default patch
    // type is a strategic merge, which is not an apply at all.
    const object = await this.objects.patch(
      asClientObject(body),
      undefined,
      undefined,
      this.fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
    return { applied: true, hash, object };
  }

  /**
   * Applies `status` to a custom resource's status subresource unless the live status is equal.
   * The status is the whole status this manager owns: fields left out are removed.
   */
  async applyStatus(target: StatusTarget, status: object, liveStatus: unknown): Promise<ApplyResult> {
    const hash = stableHash(status);
    if (statusEqual(status, liveStatus)) return { applied: false, hash };
    const { resource, name, namespace } = target;
    const body = {
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
      status,
    };
    // The generated client would send a JSON patch; the header turns the same JSON body (JSON is
    // YAML) into an apply.
    const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const common = {
      group: resource.group,
      version: resource.version,
      plural: resource.plural,
      name,
      body,
      fieldManager: this.fieldManager,
      fieldValidation: 'Strict',
      force: true,
    };
    this.recordWrite({ kind: resource.kind, namespace, name, subresource: 'status', verb: 'apply' });
    const object = (
      resource.namespaced
        ? await this.customObjects.patchNamespacedCustomObjectStatus(
            { ...common, namespace: requireNamespace(target) },
            options,
          )
        : await this.customObjects.patchClusterCustomObjectStatus(common, options)
    ) as KubernetesObject;
    return { applied: true, hash, object };
  }

  /** Deletes an object the desired state no longer has; false when it was already gone. */
  async delete(object: DesiredObject, live: LiveObject): Promise<boolean> {
    if (!live) return false;
    this.recordWrite({
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      verb: 'delete',
    });
    try {
      await this.objects.delete(
        asClientObject(structuredClone(object)),
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private recordWrite(write: WriteRecord): void {
    this.writeCount += 1;
    this.onWrite?.(write);
  }
}

/** The hash stored in APPLIED_HASH_ANNOTATION: of the desired object without that annotation. */
export function appliedHash(desired: DesiredObject): string {
  const { [APPLIED_HASH_ANNOTATION]: _previous, ...annotations } = desired.metadata.annotations ?? {};
  return stableHash({ ...desired, metadata: { ...desired.metadata, annotations } });
}

/** Whether `live` lacks the desired state with `hash` (or is missing). */
export function needsApply(hash: string, live: LiveObject): boolean {
  return live?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] !== hash;
}

/** Exact equality, key order and undefined members aside: one manager owns the whole status. */
export function statusEqual(desired: unknown, live: unknown): boolean {
  return live !== undefined && canonicalJson(desired) === canonicalJson(live);
}

function requireNamespace(target: StatusTarget): string {
  if (target.namespace === undefined)
    throw new Error(`${target.resource.kind} ${target.name} needs a namespace`);
  return target.namespace;
}

/**
 * A plain object as client-node's KubernetesObject, whose metadata is typed as a model class (with
 * Date timestamps): the JSON on the wire is the same.
 */
function asClientObject(object: DesiredObject): KubernetesObject {
  return object as unknown as KubernetesObject;
}
