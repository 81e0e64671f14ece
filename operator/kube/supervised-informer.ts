import type { KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { KeyedBackoff } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { systemClock } from './clock.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { KubeConnection } from './kube-connection.ts';
import { getJson } from './kube-request.ts';
import { ListWatch } from './list-watch.ts';
import { collectionPath } from './resource-type.ts';
import type { ResourceType } from './resource-type.ts';

/**
 * What the cache holds: objects as the apiserver sent them (plain JSON, timestamps as strings), for
 * the list as for the watch. Not client-node's model classes, whatever its types say.
 */
export interface CachedObject {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?:
    { readonly name?: string | undefined; readonly namespace?: string | undefined } | undefined;
}

/** `resync`: a periodic re-delivery of a cached object, so that a level-triggered controller re-checks it. */
export type InformerEventType = 'add' | 'update' | 'delete' | 'resync';
export type InformerHandler<T> = (type: InformerEventType, object: T) => void;

export interface SupervisedInformerOptions<T> {
  readonly kubeConfig: KubeConnection;
  readonly resource: ResourceType;
  /** Namespaces to watch (one list+watch each); empty or absent: all namespaces, one cluster-wide watch. */
  readonly namespaces?: readonly string[];
  readonly labelSelector?: string;
  /**
   * What of each object to keep (a copy with less in it), before it is cached or delivered: a child whose
   * spec nothing reads need not be held whole (client-go's SetTransform). `managedFields` always go.
   */
  readonly transform?: (object: T) => T;
  /** Period of the resync; 0 turns it off. Default 5 min. */
  readonly resyncMs?: number;
  /** Delay before restarting a stopped informer. Default 1 s doubling to 30 s. */
  readonly restartBackoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly onEvent?: InformerHandler<T>;
  /** The informer stopped on `error` and restarts in `restartInMs` (for logs). */
  readonly onError?: (error: unknown, restartInMs: number) => void;
  /** A restart was scheduled (for a watch-restarts counter). */
  readonly onRestart?: () => void;
}

export const DEFAULT_RESYNC_MS = 5 * 60_000;
export const DEFAULT_RESTART_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000 };

/** One list+watch: per namespace, or one for the whole cluster. */
interface Unit {
  readonly scope: string;
  readonly informer: ListWatch;
  listed: boolean;
  /** Set by the list function; the cache is filled once `start()` resolved after it. */
  listSucceeded: boolean;
  /** Errors seen so far; a start that added none succeeded. */
  errors: number;
  restartTimer: TimerHandle | undefined;
}

/**
 * The list-watch (list-watch.ts) relists on 410 Gone and reconnects after a clean close or a client-side
 * timeout, but on any other error (apiserver down, connection reset, 5xx, a failed list) it emits `error`
 * and stops. This restarts it with backoff, keeping its cache and
 * resourceVersion so a restart resumes the watch rather than relisting; resyncs periodically; and
 * says when the first list is in (`synced`), before which a controller must not trust the cache.
 */
export class SupervisedInformer<T extends CachedObject> implements ObjectCache<T> {
  readonly resource: ResourceType;
  /** Resolves once every namespace has been listed once. */
  readonly synced: Promise<void>;
  private readonly units: Unit[];
  private readonly byNamespace = new Map<string, Unit>();
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly backoff: KeyedBackoff<string>;
  private readonly clock: Clock;
  private readonly resyncMs: number;
  private readonly options: SupervisedInformerOptions<T>;
  private resolveSynced: () => void = () => undefined;
  private resyncTimer: TimerHandle | undefined;
  private restartCount = 0;
  private connectCount = 0;
  private started = false;
  private stopped = false;

  constructor(options: SupervisedInformerOptions<T>) {
    this.options = options;
    this.resource = options.resource;
    this.clock = options.clock ?? systemClock;
    this.resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
    this.backoff = new KeyedBackoff(options.restartBackoff ?? DEFAULT_RESTART_BACKOFF);
    if (options.onEvent) this.handlers.add(options.onEvent);
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    const namespaces = options.resource.namespaced ? [...new Set(options.namespaces ?? [])] : [];
    const scopes = namespaces.length > 0 ? namespaces : [undefined];
    this.units = scopes.map((namespace) => this.makeUnit(namespace));
  }

  /** Adds a handler (e.g. one mapping child events to the owner's key); returns its removal. */
  addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Starts every list+watch; resolves once each was tried (see `synced` for the cache being filled). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.scheduleResync();
    await Promise.all(this.units.map((unit) => this.startUnit(unit)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    for (const unit of this.units) {
      if (unit.restartTimer !== undefined) this.clock.clearTimeout(unit.restartTimer);
      unit.restartTimer = undefined;
    }
    await Promise.all(this.units.map((unit) => unit.informer.stop()));
  }

  get hasSynced(): boolean {
    return this.units.every((unit) => unit.listed);
  }

  /** Restarts after the informer stopped on an error (a counter). */
  get restarts(): number {
    return this.restartCount;
  }

  /** Watch (re)connections, including the informer's own reconnects (a counter). */
  get connects(): number {
    return this.connectCount;
  }

  get(name: string, namespace?: string): T | undefined {
    const unit = this.unitFor(namespace);
    return this.cached(unit?.informer.get(name, this.resource.namespaced ? namespace : undefined));
  }

  list(namespace?: string): readonly T[] {
    if (namespace !== undefined && this.resource.namespaced) {
      return this.cachedList(this.unitFor(namespace)?.informer.list(namespace) ?? []);
    }
    return this.units.flatMap((unit) => this.cachedList(unit.informer.list()));
  }

  // The informer's objects are the JSON it was sent (see CachedObject): only the static type changes.
  private cached(object: KubernetesObject | undefined): T | undefined {
    return object as unknown as T | undefined;
  }

  private cachedList(objects: readonly KubernetesObject[]): readonly T[] {
    return objects as unknown as readonly T[];
  }

  private unitFor(namespace: string | undefined): Unit | undefined {
    if (this.byNamespace.size === 0) return this.units[0];
    return namespace === undefined ? undefined : this.byNamespace.get(namespace);
  }

  private makeUnit(namespace: string | undefined): Unit {
    const { kubeConfig, labelSelector } = this.options;
    const path = collectionPath(this.resource, namespace);
    const query = { labelSelector };
    // Assigned below, before the informer can call back.
    // eslint-disable-next-line prefer-const
    let unit: Unit;
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const result = await getJson<KubernetesListObject<KubernetesObject>>(kubeConfig, path, query);
      unit.listSucceeded = true;
      return result;
    };
    const keep = this.options.transform;
    const transform = (object: KubernetesObject): KubernetesObject => {
      const stripped = withoutManagedFields(object);
      return keep ? (keep(stripped as unknown as T) as unknown as KubernetesObject) : stripped;
    };
    const informer = new ListWatch(kubeConfig, path, list, labelSelector, transform);
    unit = {
      scope: namespace ?? '',
      informer,
      listed: false,
      listSucceeded: false,
      errors: 0,
      restartTimer: undefined,
    };
    if (namespace !== undefined) this.byNamespace.set(namespace, unit);
    informer.on('add', (object) => {
      this.deliver('add', object as unknown as T);
    });
    informer.on('update', (object) => {
      this.deliver('update', object as unknown as T);
    });
    informer.on('delete', (object) => {
      this.deliver('delete', object as unknown as T);
    });
    informer.on('connect', () => {
      this.connectCount += 1;
    });
    informer.on('error', (error: unknown) => {
      this.failed(unit, error);
    });
    return unit;
  }

  private async startUnit(unit: Unit): Promise<void> {
    if (this.stopped) return;
    const errorsBefore = unit.errors;
    try {
      // Resolves once the list (if needed) is done and the watch request is answered, or after it
      // emitted `error`; it rejects only on errors thrown before the watch's own handling.
      await unit.informer.start();
    } catch (error) {
      this.failed(unit, error);
      return;
    }
    if (unit.listSucceeded && !unit.listed) this.listed(unit);
    if (unit.errors === errorsBefore) this.backoff.forget(unit.scope);
  }

  private failed(unit: Unit, error: unknown): void {
    unit.errors += 1;
    // stop() aborts the watch, which the informer reports as an error: not a failure.
    if (this.stopped || unit.restartTimer !== undefined) return;
    const delayMs = this.backoff.next(unit.scope);
    this.restartCount += 1;
    safely(() => {
      this.options.onRestart?.();
    });
    safely(() => {
      this.options.onError?.(error, delayMs);
    });
    unit.restartTimer = this.clock.setTimeout(() => {
      unit.restartTimer = undefined;
      void this.startUnit(unit);
    }, delayMs);
  }

  private listed(unit: Unit): void {
    unit.listed = true;
    if (this.hasSynced) this.resolveSynced();
  }

  private deliver(type: InformerEventType, object: T): void {
    for (const handler of this.handlers) {
      safely(() => {
        handler(type, object);
      });
    }
  }

  private scheduleResync(): void {
    if (this.resyncMs <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.hasSynced) for (const object of this.list()) this.deliver('resync', object);
      this.scheduleResync();
    }, this.resyncMs);
  }
}

/**
 * Drops `metadata.managedFields` in place (as controller-runtime's caches do): no controller reads it, and
 * it is often the largest part of an object (a field set per manager, status included).
 */
function withoutManagedFields(object: KubernetesObject): KubernetesObject {
  if (object.metadata?.managedFields !== undefined) delete object.metadata.managedFields;
  return object;
}

/** A handler's bug must not stop the informer's callbacks (they run inside its watch loop). */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored on purpose
  }
}
