import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { KubeConnection } from './kube-connection.ts';
import { KubeWatch } from './kube-watch.ts';

export type ListWatchEvent = 'add' | 'update' | 'delete' | 'connect' | 'error';

type ObjectListener = (object: KubernetesObject) => void;
type SignalListener = (error: unknown) => void;

/** Watches that keep ending without an event are opened again after this, doubling up to the most. */
const firstRetryMs = 1_000;
const mostRetryMs = 30_000;

/**
 * One collection's objects, kept by a list and then a watch from the list's resourceVersion.
 *
 * A watch that ends cleanly or goes silent (the Watch's inactivity timeout) is opened again from the last
 * resourceVersion seen; when watches keep ending without an event, after a wait that doubles. A 410 Gone (the
 * version is too old) lists afresh: what the cache holds and the list lacks is reported deleted. Any other
 * failure (a failed list, a refused or broken watch) is reported as `error` and ends the loop, keeping objects
 * and version: supervised-informer.ts decides when to start it again, which then resumes the watch.
 */
export class ListWatch {
  /** Namespace ('' when cluster-scoped) → name → object. */
  readonly #objects = new Map<string, Map<string, KubernetesObject>>();
  readonly #listeners: Readonly<Record<ListWatchEvent, (ObjectListener | SignalListener)[]>> = {
    add: [],
    update: [],
    delete: [],
    connect: [],
    error: [],
  };
  readonly #watch: KubeWatch;
  readonly #path: string;
  readonly #listAll: () => Promise<KubernetesListObject<KubernetesObject>>;
  readonly #labelSelector: string | undefined;
  readonly #transform: (object: KubernetesObject) => KubernetesObject;
  #version = '';
  #open: AbortController | undefined;
  #stopped = false;
  /** Wait before the next reopening: 0 until a watch ends having delivered nothing. */
  #retryMs = 0;

  constructor(
    connection: KubeConnection,
    path: string,
    listAll: () => Promise<KubernetesListObject<KubernetesObject>>,
    labelSelector?: string,
    /** Applied to every object before it is kept or delivered (to keep only what is read). */
    transform: (object: KubernetesObject) => KubernetesObject = (object) => object,
  ) {
    this.#watch = new KubeWatch(connection);
    this.#path = path;
    this.#listAll = listAll;
    this.#labelSelector = labelSelector;
    this.#transform = transform;
  }

  /** Lists unless a version is held, then opens the watch; resolves once it is open or `error` was sent. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#retryMs = 0;
    await this.#connect(false);
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#open?.abort();
    this.#open = undefined;
    return Promise.resolve();
  }

  on(event: 'connect' | 'error', listener: SignalListener): void;
  on(event: 'add' | 'update' | 'delete', listener: ObjectListener): void;
  on(event: ListWatchEvent, listener: ObjectListener | SignalListener): void {
    this.#listeners[event].push(listener);
  }

  get(name: string, namespace?: string): KubernetesObject | undefined {
    return this.#objects.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): KubernetesObject[] {
    if (namespace === undefined || namespace === '')
      return [...this.#objects.values()].flatMap((byName) => [...byName.values()]);
    return [...(this.#objects.get(namespace)?.values() ?? [])];
  }

  async #connect(reopening: boolean): Promise<void> {
    if (this.#isStopped()) return;
    this.#emit('connect', undefined);
    if (this.#version === '') {
      let listed: KubernetesListObject<KubernetesObject>;
      try {
        listed = await this.#listAll();
      } catch (error) {
        this.#emit('error', error);
        return;
      }
      this.#replaceAll(listed.items.map(this.#transform));
      this.#version = listed.metadata?.resourceVersion ?? '';
    }
    if (reopening) {
      if (this.#retryMs > 0) await sleep(this.#retryMs);
      // Reset by the next event; a watch that ends with none makes the following wait longer.
      this.#retryMs = this.#retryMs === 0 ? firstRetryMs : Math.min(this.#retryMs * 2, mostRetryMs);
    }
    // A stop while it listed or waited.
    if (this.#isStopped()) return;
    const query: Record<string, string> = { resourceVersion: this.#version };
    if (this.#labelSelector !== undefined) query.labelSelector = this.#labelSelector;
    this.#open = await this.#watch.watch(
      this.#path,
      query,
      (type: string, object: unknown) => {
        // JSON as the apiserver sent it: an object, or a Status for an ERROR event.
        this.#received(type, object as KubernetesObject & { code?: unknown });
      },
      (error: unknown) => {
        this.#ended(error);
      },
    );
  }

  /** Read through a call: `#stopped` changes while #connect awaits. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  #received(type: string, object: KubernetesObject & { code?: unknown }): void {
    if (type === 'ERROR') {
      // The watch ends next; a version too old means listing again.
      if (object.code === 410) this.#version = '';
      return;
    }
    if (type === 'ADDED' || type === 'MODIFIED') this.#put(this.#transform(object));
    else if (type === 'DELETED') this.#remove(this.#transform(object));
    // BOOKMARK events carry nothing but their version.
    this.#retryMs = 0;
    this.#version = object.metadata?.resourceVersion ?? this.#version;
  }

  #ended(error: unknown): void {
    this.#open = undefined;
    if (this.#stopped) return;
    const failure = error as { statusCode?: unknown; code?: unknown; name?: unknown } | null | undefined;
    if (failure?.statusCode === 410 || failure?.code === 410) this.#version = '';
    else if (failure != null && failure.name !== 'TimeoutError') {
      this.#emit('error', error);
      return;
    }
    this.#connect(true).catch((reconnectError: unknown) => {
      // Credentials that can no longer be read, say: reported like any other failure.
      this.#emit('error', reconnectError);
    });
  }

  /** After a list: objects held and not listed were deleted while nobody watched. */
  #replaceAll(items: readonly KubernetesObject[]): void {
    const listed = new Set(items.map((object) => keyOf(object)));
    for (const [namespace, byName] of this.#objects) {
      for (const [name, object] of byName) {
        if (listed.has(`${namespace}/${name}`)) continue;
        byName.delete(name);
        this.#emit('delete', object);
      }
      if (byName.size === 0) this.#objects.delete(namespace);
    }
    for (const object of items) this.#put(object);
  }

  #put(object: KubernetesObject): void {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    let byName = this.#objects.get(namespace);
    if (byName === undefined) {
      byName = new Map();
      this.#objects.set(namespace, byName);
    }
    const held = byName.get(name);
    // The same version again (a relist, a reopened watch) is no change.
    if (held !== undefined && versionOf(held) !== undefined && versionOf(held) === versionOf(object)) return;
    byName.set(name, object);
    // What changed was dropped by the transform (a status count nobody reads): no change to anyone.
    if (held !== undefined && sameApartFromVersion(held, object)) return;
    this.#emit(held === undefined ? 'add' : 'update', object);
  }

  #remove(object: KubernetesObject): void {
    const namespace = object.metadata?.namespace ?? '';
    const byName = this.#objects.get(namespace);
    if (byName?.delete(object.metadata?.name ?? '') !== true) return;
    if (byName.size === 0) this.#objects.delete(namespace);
    this.#emit('delete', object);
  }

  #emit(event: 'add' | 'update' | 'delete', object: KubernetesObject): void;
  #emit(event: 'connect' | 'error', error: unknown): void;
  #emit(event: ListWatchEvent, value: unknown): void {
    // A copy: a listener may add another.
    for (const listener of [...this.#listeners[event]]) (listener as (value: unknown) => void)(value);
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function versionOf(object: KubernetesObject): string | undefined {
  return object.metadata?.resourceVersion;
}

/** Equal as JSON, `metadata.resourceVersion` aside (it differs at every write). */
export function sameApartFromVersion(held: WatchedJson, next: WatchedJson): boolean {
  return sameJson(withoutVersion(held), withoutVersion(next));
}

/** An object as the watch delivers it: JSON, whatever client-node's class types say. */
interface WatchedJson {
  readonly metadata?: { readonly resourceVersion?: string | undefined } | undefined;
}

function withoutVersion(object: WatchedJson): unknown {
  const { resourceVersion: _version, ...metadata } = object.metadata ?? {};
  return { ...object, metadata };
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) =>
    sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
