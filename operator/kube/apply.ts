import { isNotFound } from './api-error.ts';
import type { KubeConnection } from './kube-connection.ts';
import { getJson, kubeRequest } from './kube-request.ts';
import { apiVersionOf, builtInResources, objectPath } from './resource-type.ts';
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
  readonly object?: unknown;
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
 * Plain JSON requests (JSON is YAML, so an apply body), not client-node's generated clients: those
 * load its whole generated API. Field validation: an apply to a custom resource fails on a field its
 * schema does not declare whatever `fieldValidation` says (measured on v1.36: a 500 "field not declared
 * in schema"); the status apply asks for Strict, which the status subresource honours.
 */
export class Applier {
  private readonly connection: KubeConnection;
  private readonly fieldManager: string;
  private readonly onWrite: ((write: WriteRecord) => void) | undefined;
  private readonly resources: ResourceResolver;
  private writeCount = 0;

  constructor(connection: KubeConnection, options: ApplierOptions = {}) {
    this.connection = connection;
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.onWrite = options.onWrite;
    this.resources = new ResourceResolver(connection);
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
    const body = {
      ...desired,
      metadata: {
        ...desired.metadata,
        annotations: { ...desired.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash },
      },
    };
    const path = await this.pathOf(desired);
    this.recordWrite({
      kind: desired.kind,
      namespace: desired.metadata.namespace,
      name: desired.metadata.name,
      verb: 'apply',
    });
    const object = await kubeRequest<unknown>(this.connection, {
      method: 'PATCH',
      path,
      query: { fieldManager: this.fieldManager, force: 'true' },
      body,
      contentType: APPLY_PATCH,
    });
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
    if (resource.namespaced) requireNamespace(target);
    const body = {
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
      status,
    };
    this.recordWrite({ kind: resource.kind, namespace, name, subresource: 'status', verb: 'apply' });
    const object = await kubeRequest<unknown>(this.connection, {
      method: 'PATCH',
      path: `${objectPath(resource, name, namespace)}/status`,
      query: { fieldManager: this.fieldManager, fieldValidation: 'Strict', force: 'true' },
      body,
      contentType: APPLY_PATCH,
    });
    return { applied: true, hash, object };
  }

  /** Deletes an object the desired state no longer has; false when it was already gone. */
  async delete(object: DesiredObject, live: LiveObject): Promise<boolean> {
    if (!live) return false;
    const path = await this.pathOf(object);
    this.recordWrite({
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      verb: 'delete',
    });
    try {
      await kubeRequest(this.connection, {
        method: 'DELETE',
        path,
        query: { propagationPolicy: 'Background' },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private async pathOf(object: DesiredObject): Promise<string> {
    const resource = await this.resources.resolve(object.apiVersion, object.kind);
    return objectPath(resource, object.metadata.name, object.metadata.namespace);
  }

  private recordWrite(write: WriteRecord): void {
    this.writeCount += 1;
    this.onWrite?.(write);
  }
}

const APPLY_PATCH = 'application/apply-patch+yaml';

interface ApiResourceList {
  readonly resources?: readonly {
    readonly name: string;
    readonly kind: string;
    readonly namespaced: boolean;
  }[];
}

/**
 * The URL of a kind: the built-in kinds the operator writes are known; any other is looked up once per
 * group version by discovery (as client-node's KubernetesObjectApi does), e.g. ServiceMonitor.
 */
class ResourceResolver {
  private readonly known = new Map<string, ResourceType>(
    Object.values(builtInResources).map((type) => [`${apiVersionOf(type)}/${type.kind}`, type]),
  );
  private readonly discovered = new Map<string, Promise<ApiResourceList>>();
  private readonly connection: KubeConnection;

  constructor(connection: KubeConnection) {
    this.connection = connection;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceType> {
    const known = this.known.get(`${apiVersion}/${kind}`);
    if (known !== undefined) return known;
    let list = this.discovered.get(apiVersion);
    if (list === undefined) {
      list = getJson<ApiResourceList>(
        this.connection,
        apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`,
      );
      this.discovered.set(apiVersion, list);
      // A failed lookup is tried again next time.
      list.catch(() => this.discovered.delete(apiVersion));
    }
    const found = (await list).resources?.find((r) => r.kind === kind && !r.name.includes('/'));
    if (found === undefined) throw new Error(`the apiserver serves no ${kind} in ${apiVersion}`);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const type: ResourceType = {
      group: group ?? '',
      version: version ?? apiVersion,
      kind,
      plural: found.name,
      namespaced: found.namespaced,
    };
    this.known.set(`${apiVersion}/${kind}`, type);
    return type;
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
