// operator/kube against a real kube-apiserver: server-side apply that writes nothing when nothing
// changed, status apply on a CRD's status subresource, a supervised informer across an apiserver
// restart and past client-node's old 30 s watch abort, and Lease leader election with hand-over.
import { KubeConfig, type Cluster } from '@kubernetes/client-node';
import type { KubernetesObject, V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../cluster/control-plane.ts';
import { apiserverRestartNeedsLocal, skipUnlessLocal, startTestCluster } from '../cluster/test-cluster.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import { APPLIED_HASH_ANNOTATION, Applier, FIELD_MANAGER } from '../../operator/kube/apply.ts';
import type { DesiredObject } from '../../operator/kube/apply.ts';
import { computeConditions } from '../../operator/kube/conditions.ts';
import { objectKey, parseKey } from '../../operator/kube/object-key.ts';
import { controllerReference } from '../../operator/kube/owner-references.ts';
import { WorkQueue } from '../../operator/kube/work-queue.ts';
import type { Condition } from '../../operator/kube/conditions.ts';
import { EventRecorder, kubeEventSink } from '../../operator/kube/events.ts';
import { LeaderElector } from '../../operator/kube/leader-election.ts';
import { kubeLeaseStore } from '../../operator/kube/lease-store.ts';
import { builtInResources } from '../../operator/kube/resource-type.ts';
import type { ResourceType } from '../../operator/kube/resource-type.ts';
import { SupervisedInformer } from '../../operator/kube/supervised-informer.ts';
import type { CachedObject, InformerEventType } from '../../operator/kube/supervised-informer.ts';

const NS = 'kube-e2e';
const OTHER_NS = 'kube-e2e-other';
const widgets: ResourceType = {
  group: 'e2e.switchyard.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};

/** A tiny CRD with a status subresource and KEP-1623 conditions as a map list. */
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.e2e.switchyard.dev' },
  spec: {
    group: widgets.group,
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: {
                type: 'object',
                properties: {
                  observedGeneration: { type: 'integer' },
                  phase: { type: 'string' },
                  conditions: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['type'],
                    items: {
                      type: 'object',
                      required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
                      properties: {
                        type: { type: 'string' },
                        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                        observedGeneration: { type: 'integer' },
                        lastTransitionTime: { type: 'string', format: 'date-time' },
                        reason: { type: 'string' },
                        message: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/** A ConfigMap as plain JSON (what the informer caches and kubectl prints). */
interface ConfigMapJson {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    annotations?: Record<string, string>;
    managedFields?: V1ManagedFieldsEntry[];
  };
  data?: Record<string, string>;
}

interface Widget extends KubernetesObject {
  spec?: { size?: number };
  status?: { observedGeneration?: number; phase?: string; conditions?: Condition[] };
}

describe('operator/kube against a real apiserver', () => {
  let cp: TestCluster | undefined;
  const kubeConfig = new KubeConfig();
  const informers: SupervisedInformer<CachedObject>[] = [];
  const cluster = (): TestCluster => {
    if (!cp) throw new Error('control plane not started');
    return cp;
  };
  const getJson = async <T>(...args: string[]): Promise<T> =>
    JSON.parse(await cluster().kubectl(['get', ...args, '-o', 'json'])) as T;
  const informer = <T extends CachedObject>(
    resource: ResourceType,
    extra: Partial<ConstructorParameters<typeof SupervisedInformer<T>>[0]> = {},
  ): SupervisedInformer<T> => {
    const made = new SupervisedInformer<T>({ kubeConfig, resource, namespaces: [NS], ...extra });
    informers.push(made as unknown as SupervisedInformer<CachedObject>);
    return made;
  };

  beforeAll(async () => {
    const started = Date.now();
    cp = await startTestCluster();
    console.info(`${cp.mode} cluster ready in ${Date.now() - started} ms (${cp.dir})`);
    kubeConfig.loadFromFile(cp.kubeconfigPath);
    await cp.kubectl(['create', 'namespace', NS]);
    await cp.kubectl(['create', 'namespace', OTHER_NS]);
    await cp.kubectl(['apply', '-f', '-'], JSON.stringify(widgetCrd));
    await cp.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/widgets.e2e.switchyard.dev',
      '--timeout=60s',
    ]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(informers.map((each) => each.stop()));
    await cp?.stop();
  });

  it('applies with SSA, then skips an unchanged apply with no write at all, then applies a change', async () => {
    const configMaps = informer<ConfigMapJson>(builtInResources.configMap);
    await configMaps.start();
    await configMaps.synced;
    const applier = new Applier(kubeConfig);
    const desired = (value: string): DesiredObject & { data: Record<string, string> } => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: NS, labels: { app: 'switchyard' } },
      data: { value },
    });

    const first = await applier.apply(desired('1'), configMaps.get('cfg', NS));
    expect(first.applied).toBe(true);
    const created = await getJson<ConfigMapJson>('configmap', 'cfg', '-n', NS, '--show-managed-fields');
    expect(created.data).toEqual({ value: '1' });
    expect(created.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toBe(first.hash);
    expect(managers(created.metadata?.managedFields)).toEqual([`${FIELD_MANAGER}/Apply`]);

    // The cache catches up through the watch; from then on the same desired object is a no-op.
    await until('cache to see the applied hash', () =>
      configMaps.get('cfg', NS)?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === first.hash
        ? true
        : undefined,
    );
    const writesBefore = applier.writes;
    const second = await applier.apply(desired('1'), configMaps.get('cfg', NS));
    expect(second).toEqual({ applied: false, hash: first.hash });
    expect(applier.writes).toBe(writesBefore);
    const unchanged = await getJson<ConfigMapJson>('configmap', 'cfg', '-n', NS, '--show-managed-fields');
    expect(unchanged.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(unchanged.metadata?.managedFields).toEqual(created.metadata?.managedFields);

    const third = await applier.apply(desired('2'), configMaps.get('cfg', NS));
    expect(third.applied).toBe(true);
    const changed = await getJson<ConfigMapJson>('configmap', 'cfg', '-n', NS);
    expect(changed.data).toEqual({ value: '2' });
    expect(changed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    expect(changed.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toBe(third.hash);
  });

  it('takes fields over from another manager (force) and drops fields it no longer applies', async () => {
    const applier = new Applier(kubeConfig);
    await cluster().kubectl(
      ['apply', '--server-side', '--field-manager=someone-else', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'shared', namespace: NS },
        data: { a: 'theirs' },
      }),
    );
    const desired = (data: Record<string, string>): DesiredObject & { data: Record<string, string> } => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared', namespace: NS },
      data,
    });
    await applier.apply(desired({ a: 'ours', b: 'ours' }), undefined);
    expect((await getJson<ConfigMapJson>('configmap', 'shared', '-n', NS)).data).toEqual({
      a: 'ours',
      b: 'ours',
    });
    await applier.apply(desired({ a: 'ours' }), undefined);
    expect((await getJson<ConfigMapJson>('configmap', 'shared', '-n', NS)).data).toEqual({ a: 'ours' });
  });

  it('applies status to a CRD status subresource, skips an unchanged one, and validates strictly', async () => {
    const cache = informer<Widget>(widgets);
    await cache.start();
    await cache.synced;
    const applier = new Applier(kubeConfig);
    const widget: DesiredObject = {
      apiVersion: 'e2e.switchyard.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: NS },
      spec: { size: 3 },
    } as DesiredObject;
    expect((await applier.apply(widget, cache.get('w1', NS))).applied).toBe(true);
    const live = await until('widget in cache', () => cache.get('w1', NS));

    const clock = { now: () => Date.now() };
    const statusFrom = (previous: Widget | undefined) => ({
      observedGeneration: previous?.metadata?.generation ?? 0,
      phase: 'Ready',
      conditions: computeConditions(
        previous?.status?.conditions,
        [{ type: 'Ready', status: 'True', reason: 'Available', message: 'all good', observedGeneration: 1 }],
        clock,
      ),
    });
    const target = { resource: widgets, name: 'w1', namespace: NS };
    const status = statusFrom(live);
    const applied = await applier.applyStatus(target, status, live.status);
    expect(applied.applied).toBe(true);

    const stored = await getJson<Widget>('widget', 'w1', '-n', NS, '--show-managed-fields');
    expect(stored.status).toEqual(status);
    expect(stored.spec).toEqual({ size: 3 });
    expect(stored.metadata?.managedFields?.find((entry) => entry.subresource === 'status')).toMatchObject({
      manager: FIELD_MANAGER,
      operation: 'Apply',
    });

    // Recomputed a little later from the cached object: the same status, so no request.
    await until('cache to see the status', () =>
      cache.get('w1', NS)?.status?.phase === 'Ready' ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const cached = cache.get('w1', NS);
    const again = statusFrom(cached);
    expect(again).toEqual(status); // lastTransitionTime kept
    const writes = applier.writes;
    expect((await applier.applyStatus(target, again, cached?.status)).applied).toBe(false);
    expect(applier.writes).toBe(writes);
    const after = await getJson<Widget>('widget', 'w1', '-n', NS);
    expect(after.metadata?.resourceVersion).toBe(stored.metadata?.resourceVersion);

    // A field the schema does not declare fails the apply instead of being pruned (the apiserver
    // answers 500 for it, whatever fieldValidation says).
    await expect(applier.applyStatus(target, { ...status, bogus: 1 }, cached?.status)).rejects.toThrow(
      /\.status\.bogus: field not declared in schema/,
    );
  });

  it('converges, then makes zero writes across resyncs: queue + informers + apply + status', async () => {
    const widgetCache = informer<Widget>(widgets, { resyncMs: 500 });
    const configMaps = informer<ConfigMapJson>(builtInResources.configMap, { resyncMs: 0 });
    const applier = new Applier(kubeConfig);
    const clock = { now: () => Date.now() };
    let reconciles = 0;
    const queue = new WorkQueue<string>({
      process: async (key) => {
        reconciles += 1;
        const { name, namespace } = parseKey(key);
        const widget = widgetCache.get(name, namespace);
        if (!widget?.metadata?.uid) return;
        await applier.apply(
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `${name}-config`, namespace, ownerReferences: [controllerReference(widget)] },
            data: { size: String(widget.spec?.size ?? 0) },
          },
          configMaps.get(`${name}-config`, namespace),
        );
        const status = {
          observedGeneration: widget.metadata.generation ?? 0,
          phase: 'Ready',
          conditions: computeConditions(
            widget.status?.conditions,
            [
              {
                type: 'Ready',
                status: 'True',
                reason: 'Configured',
                observedGeneration: widget.metadata.generation ?? 0,
              },
            ],
            clock,
          ),
        };
        await applier.applyStatus(
          { resource: widgets, name, namespace: namespace ?? NS },
          status,
          widget.status,
        );
      },
    });
    widgetCache.addHandler((_type, widget) => {
      queue.add(objectKey({ name: widget.metadata?.name ?? '', namespace: widget.metadata?.namespace }));
    });
    await Promise.all([widgetCache.start(), configMaps.start()]);
    await Promise.all([widgetCache.synced, configMaps.synced]);
    await applier.apply(
      {
        apiVersion: 'e2e.switchyard.dev/v1',
        kind: 'Widget',
        metadata: { name: 'steady', namespace: NS },
        spec: { size: 5 },
      },
      undefined,
    );
    queue.start();
    await until('the child ConfigMap and the status', () =>
      configMaps.get('steady-config', NS)?.data?.size === '5' &&
      widgetCache.get('steady', NS)?.status?.phase === 'Ready'
        ? true
        : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // let the own writes' events settle
    const writes = applier.writes;
    const versions = await cluster().kubectl([
      'get',
      'widget,configmap',
      '-n',
      NS,
      '-o',
      'jsonpath={.items[*].metadata.resourceVersion}',
    ]);
    const reconcilesBefore = reconciles;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(reconciles - reconcilesBefore).toBeGreaterThanOrEqual(8); // resyncs every 500 ms
    expect(applier.writes).toBe(writes);
    expect(
      await cluster().kubectl([
        'get',
        'widget,configmap',
        '-n',
        NS,
        '-o',
        'jsonpath={.items[*].metadata.resourceVersion}',
      ]),
    ).toBe(versions);
    const child = await getJson<{ metadata: { ownerReferences: { uid: string; controller: boolean }[] } }>(
      'configmap',
      'steady-config',
      '-n',
      NS,
    );
    expect(child.metadata.ownerReferences[0]).toMatchObject({
      uid: widgetCache.get('steady', NS)?.metadata?.uid,
      controller: true,
    });
    await queue.shutdown();
  }, 60_000);

  it('serves reads from per-namespace caches and only from the namespaces it watches', async () => {
    await cluster().kubectl(['create', 'configmap', 'elsewhere', '-n', OTHER_NS, '--from-literal=a=1']);
    await cluster().kubectl(['create', 'configmap', 'here', '-n', NS, '--from-literal=a=1']);
    const both = informer<ConfigMapJson>(builtInResources.configMap, { namespaces: [NS, OTHER_NS] });
    const one = informer<ConfigMapJson>(builtInResources.configMap);
    const all = informer<ConfigMapJson>(builtInResources.configMap, { namespaces: [] });
    await Promise.all([both.start(), one.start(), all.start()]);
    await Promise.all([both.synced, one.synced, all.synced]);
    expect(both.get('elsewhere', OTHER_NS)?.data).toEqual({ a: '1' });
    expect(both.list(OTHER_NS).map((cm) => cm.metadata?.name)).toContain('elsewhere');
    expect(one.get('elsewhere', OTHER_NS)).toBeUndefined();
    expect(one.get('here', NS)).toBeDefined();
    expect(all.get('elsewhere', OTHER_NS)).toBeDefined();
    expect(all.list().some((cm) => cm.metadata?.namespace === 'kube-system')).toBe(true);
    // Periodic resync re-delivers every cached object, with no request to the apiserver.
    const resynced = new Set<string>();
    const resyncing = informer<ConfigMapJson>(builtInResources.configMap, {
      resyncMs: 300,
      onEvent: (type, cm) => {
        if (type === 'resync') resynced.add(cm.metadata?.name ?? '');
      },
    });
    await resyncing.start();
    await resyncing.synced;
    await until('a resync of both ConfigMaps', () =>
      resynced.has('here') && resynced.has('cfg') ? true : undefined,
    );
    expect(resyncing.connects).toBe(1);
    // Listed as plain JSON, like watch events: timestamps are strings, not Date objects.
    expect(typeof one.get('here', NS)?.metadata?.creationTimestamp).toBe('string');
  });

  it('is not synced until every namespace it watches has listed (one missing RoleBinding)', async () => {
    // An identity that may read ConfigMaps in NS only: the list in OTHER_NS is refused (403) until granted.
    const sa = 'informer-reader';
    await cluster().kubectl(['create', 'serviceaccount', sa, '-n', NS]);
    for (const namespace of [NS, OTHER_NS])
      await cluster().kubectl([
        'create',
        'role',
        'read-cm',
        '-n',
        namespace,
        '--verb=get,list,watch',
        '--resource=configmaps',
      ]);
    await cluster().kubectl([
      'create',
      'rolebinding',
      'read-cm',
      '-n',
      NS,
      '--role=read-cm',
      `--serviceaccount=${NS}:${sa}`,
    ]);
    const token = (await cluster().kubectl(['create', 'token', sa, '-n', NS, '--duration=10m'])).trim();
    const limited = new KubeConfig();
    limited.loadFromOptions({
      clusters: [{ ...kubeConfig.getCurrentCluster(), name: 'e2e' } as Cluster],
      users: [{ name: sa, token }],
      contexts: [{ name: 'limited', cluster: 'e2e', user: sa }],
      currentContext: 'limited',
    });
    const errors: unknown[] = [];
    const partial = informer<ConfigMapJson>(builtInResources.configMap, {
      kubeConfig: limited,
      namespaces: [NS, OTHER_NS],
      restartBackoff: { baseMs: 200, maxMs: 400 },
      onError: (error) => errors.push(error),
    });
    let synced = false;
    void partial.synced.then(() => (synced = true));
    await partial.start();
    await until('the refused list to be reported', () => (errors.length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(synced).toBe(false);
    expect(partial.hasSynced).toBe(false);
    // What it could list is served meanwhile; the operator just does not act on it yet.
    expect(partial.get('here', NS)).toBeDefined();

    await cluster().kubectl([
      'create',
      'rolebinding',
      'read-cm',
      '-n',
      OTHER_NS,
      '--role=read-cm',
      `--serviceaccount=${NS}:${sa}`,
    ]);
    await partial.synced;
    expect(partial.hasSynced).toBe(true);
    expect(partial.get('elsewhere', OTHER_NS)?.data).toEqual({ a: '1' });
  });

  it('ignores namespaces for a cluster-scoped kind: one cluster-wide list and watch', async () => {
    const namespaces = informer<CachedObject>(builtInResources.namespace, { namespaces: [NS, OTHER_NS] });
    await namespaces.start();
    await namespaces.synced;
    const names = namespaces.list().map((each) => each.metadata?.name);
    expect(names).toEqual(expect.arrayContaining([NS, OTHER_NS, 'default', 'kube-system']));
    expect(namespaces.connects).toBe(1);
  });

  it('keeps one watch open past 60 s while events flow (client-node #3020, fixed by #3022)', async () => {
    const seen: InformerEventType[] = [];
    const watched = informer<ConfigMapJson>(builtInResources.configMap, {
      resyncMs: 0,
      labelSelector: 'e2e=long-watch',
      onEvent: (type) => seen.push(type),
    });
    await watched.start();
    await watched.synced;
    expect(watched.connects).toBe(1);
    const applier = new Applier(kubeConfig);
    const started = Date.now();
    for (let i = 0; Date.now() - started < 65_000; i++) {
      await applier.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'ticker', namespace: NS, labels: { e2e: 'long-watch' } },
          data: { tick: String(i) },
        },
        undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    expect(Date.now() - started).toBeGreaterThan(60_000);
    expect(seen.length).toBeGreaterThanOrEqual(12);
    // 2.0.0 aborted the watch after 30 s: that would show as reconnects here.
    expect(watched.connects).toBe(1);
    expect(watched.restarts).toBe(0);
    expect(watched.get('ticker', NS)?.data?.tick).toBe(String(seen.length - 1));
  }, 120_000);

  it('restarts an informer that stopped when the apiserver went away, and sees later changes', async (context) => {
    skipUnlessLocal(context, apiserverRestartNeedsLocal);
    const controlPlane = cluster().controlPlane;
    if (controlPlane === undefined) throw new Error('no local control plane');
    const errors: unknown[] = [];
    const configMaps = informer<ConfigMapJson>(builtInResources.configMap, {
      restartBackoff: { baseMs: 500, maxMs: 4_000 },
      onError: (error) => errors.push(error),
    });
    await configMaps.start();
    await configMaps.synced;
    await controlPlane.restartApiserver({ downtimeMs: 2_000 });
    await cluster().kubectl(['create', 'configmap', 'after-restart', '-n', NS, '--from-literal=a=1']);
    await until(
      'informer to see a ConfigMap made after the restart',
      () => configMaps.get('after-restart', NS),
      {
        timeoutMs: 60_000,
      },
    );
    expect(configMaps.restarts).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBe(configMaps.restarts);
    // Deletes are seen too.
    await cluster().kubectl(['delete', 'configmap', 'after-restart', '-n', NS]);
    await until('informer to see the delete', () =>
      configMaps.get('after-restart', NS) === undefined ? true : undefined,
    );
    // A stopped informer stays stopped: client-node reports its own abort as an error, which must not restart it.
    const restarts = configMaps.restarts;
    const connects = configMaps.connects;
    await configMaps.stop();
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // past the largest restart backoff
    expect(configMaps.restarts).toBe(restarts);
    expect(configMaps.connects).toBe(connects);
  }, 120_000);

  it('elects exactly one of two electors, renews, and hands over within seconds of a graceful stop', async () => {
    const leading = new Set<string>();
    const electors = ['op-a', 'op-b'].map(
      (identity) =>
        new LeaderElector({
          store: kubeLeaseStore(kubeConfig, NS, 'switchyard-operator'),
          identity,
          onStartedLeading: () => leading.add(identity),
          onStoppedLeading: () => void leading.delete(identity),
        }),
    );
    const runs = electors.map((elector) => elector.run());
    await until('a leader', () => (leading.size > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect([...leading]).toHaveLength(1);
    const leader = electors.find((elector) => elector.isLeader);
    const standby = electors.find((elector) => !elector.isLeader);
    if (!leader || !standby) throw new Error('expected one leader and one standby');
    const lease = await getJson<{ spec: { holderIdentity: string; renewTime: string; acquireTime: string } }>(
      'lease',
      'switchyard-operator',
      '-n',
      NS,
    );
    expect(lease.spec.holderIdentity).toBe([...leading][0]);
    expect(lease.spec.renewTime).toMatch(/\.\d{6}Z$/);
    expect(Date.parse(lease.spec.renewTime) - Date.parse(lease.spec.acquireTime)).toBeGreaterThanOrEqual(
      2_000,
    );
    expect(standby.currentLeader).toBe(lease.spec.holderIdentity);

    const stoppedAt = Date.now();
    await leader.stop();
    await until('the standby to lead', () => (standby.isLeader ? true : undefined), {
      intervalMs: 50,
    });
    const handOverMs = Date.now() - stoppedAt;
    console.info(`hand-over took ${handOverMs} ms`);
    expect(handOverMs).toBeLessThan(4_000);
    expect([...leading]).toEqual([standby === electors[0] ? 'op-a' : 'op-b']);
    await standby.stop();
    expect(await Promise.all(runs)).toEqual(['stopped', 'stopped']);
  }, 60_000);

  it('records an event that kubectl describe shows, and counts a repeat without a new event', async () => {
    const recorder = new EventRecorder({
      sink: kubeEventSink(kubeConfig),
      reportingInstance: 'op-a',
      seriesUpdateMs: 0,
    });
    const cm = await getJson<ConfigMapJson>('configmap', 'cfg', '-n', NS);
    const input = {
      regarding: cm,
      type: 'Warning',
      reason: 'ConfigInvalid',
      action: 'Render',
      note: 'model gpt-4o: no credentials (key sk-should-never-appear-123 rejected)',
    } as const;
    recorder.record(input);
    await recorder.flush();
    recorder.record(input);
    await recorder.flush();
    const described = await cluster().kubectl(['describe', 'configmap', 'cfg', '-n', NS]);
    expect(described).toContain('ConfigInvalid');
    expect(described).not.toContain('sk-should-never-appear');
    const events = await getJson<{ items: { reason: string; series?: { count: number } }[] }>(
      'events.v1.events.k8s.io',
      '-n',
      NS,
      '--field-selector',
      'reason=ConfigInvalid',
    );
    expect(events.items).toHaveLength(1);
    expect(events.items[0]?.series?.count).toBe(2);
  });
});

/** Polls a synchronous check (a cache read, a flag) until it gives a value. */
function until<T>(
  what: string,
  check: () => T | undefined,
  options?: Parameters<typeof waitFor>[2],
): Promise<T> {
  return waitFor(what, () => Promise.resolve(check()), options);
}

function managers(entries: V1ManagedFieldsEntry[] | undefined): string[] {
  return (entries ?? []).map((entry) => `${entry.manager ?? ''}/${entry.operation ?? ''}`);
}
