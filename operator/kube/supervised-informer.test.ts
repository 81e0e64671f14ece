import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesObject, ListPromise } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtInResources } from './resource-type.ts';
import { SupervisedInformer } from './supervised-informer.ts';
import type { InformerEventType } from './supervised-informer.ts';

/**
 * A stand-in for client-node's ListWatch with its observable behaviour: start() lists when it has
 * no resourceVersion, emits `error` and stops on failure, and keeps its cache across restarts.
 */
const fake = vi.hoisted(() => {
  type Callback = (arg?: unknown) => void;
  class FakeListWatch {
    readonly path: string;
    readonly callbacks = new Map<string, Callback[]>();
    readonly objects = new Map<string, { metadata: { name: string; namespace?: string } }>();
    starts = 0;
    stops = 0;
    resourceVersion = '';
    private readonly listFn: () => Promise<{ items: { metadata: { name: string; namespace?: string } }[] }>;

    constructor(path: string, listFn: FakeListWatch['listFn']) {
      this.path = path;
      this.listFn = listFn;
    }
    on(verb: string, cb: Callback): void {
      this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), cb]);
    }
    emit(verb: string, arg?: unknown): void {
      for (const cb of this.callbacks.get(verb) ?? []) cb(arg);
    }
    async start(): Promise<void> {
      this.starts += 1;
      this.emit('connect');
      if (this.resourceVersion) return;
      try {
        const list = await this.listFn();
        for (const item of list.items) {
          this.objects.set(item.metadata.name, item);
          this.emit('add', item);
        }
        this.resourceVersion = '1';
      } catch (error) {
        this.emit('error', error);
      }
    }
    stop(): Promise<void> {
      this.stops += 1;
      // client-node reports its own abort as an error.
      this.emit('error', new Error('aborted'));
      return Promise.resolve();
    }
    get(name: string): unknown {
      return this.objects.get(name);
    }
    list(): unknown[] {
      return [...this.objects.values()];
    }
  }
  return {
    FakeListWatch,
    made: [] as InstanceType<typeof FakeListWatch>[],
    failLists: 0,
    items: [] as unknown[],
  };
});

vi.mock('@kubernetes/client-node', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  makeInformer: (_kc: unknown, path: string, listFn: ListPromise<KubernetesObject>) => {
    const made = new fake.FakeListWatch(path, listFn as never);
    fake.made.push(made);
    return made;
  },
}));

vi.mock('./kube-request.ts', () => ({
  getJson: (_kc: unknown, path: string) => {
    if (fake.failLists > 0) {
      fake.failLists -= 1;
      return Promise.reject(new Error('connect ECONNREFUSED'));
    }
    const namespace = /namespaces\/([^/]+)/.exec(path)?.[1] ?? 'default';
    return Promise.resolve({
      metadata: { resourceVersion: '1' },
      items: [{ metadata: { name: `cm-in-${namespace}`, namespace } }],
    });
  },
}));

const kubeConfig = new KubeConfig();

describe('SupervisedInformer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    fake.made.length = 0;
    fake.failLists = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts after errors with growing backoff, and is synced only after the first list', async () => {
    fake.failLists = 3;
    const delays: number[] = [];
    const informer = new SupervisedInformer({
      kubeConfig,
      resource: builtInResources.configMap,
      onError: (_error, ms) => delays.push(ms),
    });
    await informer.start();
    expect(informer.hasSynced).toBe(false);
    let synced = false;
    void informer.synced.then(() => (synced = true));
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000);
    expect(delays).toEqual([1_000, 2_000, 4_000]);
    expect(informer.restarts).toBe(3);
    expect(synced).toBe(true);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['cm-in-default']);
    expect(fake.made[0]?.path).toBe('/api/v1/configmaps');

    // After a success the backoff starts over, and the cache survives the restart.
    fake.made[0]?.emit('error', new Error('watch reset'));
    expect(delays.at(-1)).toBe(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.made[0]?.starts).toBe(5);
    expect(informer.get('cm-in-default')).toBeDefined();
    await informer.stop();
  });

  it('does not restart after stop(), though the informer reports its abort as an error', async () => {
    const informer = new SupervisedInformer({ kubeConfig, resource: builtInResources.configMap });
    await informer.start();
    await informer.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(informer.restarts).toBe(0);
    expect(fake.made[0]?.starts).toBe(1);
  });

  it('watches each listed namespace on its own and routes reads to it', async () => {
    const informer = new SupervisedInformer({
      kubeConfig,
      resource: builtInResources.configMap,
      namespaces: ['a', 'b', 'a'],
    });
    await informer.start();
    await informer.synced;
    expect(fake.made.map((m) => m.path)).toEqual([
      '/api/v1/namespaces/a/configmaps',
      '/api/v1/namespaces/b/configmaps',
    ]);
    expect(informer.get('cm-in-b', 'b')).toBeDefined();
    expect(informer.get('cm-in-b', 'a')).toBeUndefined();
    expect(informer.get('cm-in-b', 'elsewhere')).toBeUndefined();
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['cm-in-a', 'cm-in-b']);
    expect(informer.list('b').map((o) => o.metadata?.name)).toEqual(['cm-in-b']);
    await informer.stop();
  });

  it('is not synced until every namespace listed', async () => {
    fake.failLists = 1;
    const informer = new SupervisedInformer({
      kubeConfig,
      resource: builtInResources.configMap,
      namespaces: ['a', 'b'],
    });
    await informer.start();
    expect(informer.hasSynced).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(informer.hasSynced).toBe(true);
    await informer.stop();
  });

  it('delivers events to every handler and resyncs the cache periodically', async () => {
    const seen: [InformerEventType, string][] = [];
    const informer = new SupervisedInformer({
      kubeConfig,
      resource: builtInResources.configMap,
      resyncMs: 60_000,
    });
    const remove = informer.addHandler((type, o) => seen.push([type, o.metadata?.name ?? '']));
    informer.addHandler(() => {
      throw new Error('a buggy handler does not stop the others');
    });
    await informer.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(seen).toEqual([
      ['add', 'cm-in-default'],
      ['resync', 'cm-in-default'],
      ['resync', 'cm-in-default'],
    ]);
    remove();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen).toHaveLength(3);
    await informer.stop();
  });

  it('ignores namespaces for a cluster-scoped kind', async () => {
    const informer = new SupervisedInformer({
      kubeConfig,
      resource: builtInResources.namespace,
      namespaces: ['a'],
    });
    await informer.start();
    expect(fake.made.map((m) => m.path)).toEqual(['/api/v1/namespaces']);
    await informer.stop();
  });
});
