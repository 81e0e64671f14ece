// Faults against the operator process: SIGKILL in the middle of reconciles, again and again; an
// apiserver crash (local control plane only); two replicas with leader election and the leader dying. The
// world must converge to one Job per image, one key per VirtualKey, and no writes once it has.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysFileSchema } from '../../gateway/auth/keys-file-schema.ts';
import { apiserverRestartNeedsLocal, skipUnlessLocal, startTestCluster } from '../cluster/test-cluster.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import {
  applyJson,
  decode,
  getJson,
  installCrds,
  operatorEvents,
  provideDatabase,
  tryGetJson,
  until,
  waitForCondition,
} from './fixtures.ts';
import type { ResourceJson } from './fixtures.ts';
import { startOperatorProcess } from './operator-process.ts';
import type { OperatorProcess } from './operator-process.ts';

const NAMESPACES = ['faults-a', 'faults-b', 'faults-c'];
const LEASE_NS = 'switchyard-system';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const IMAGE = 'registry.example/gateway:1.0.0';
/** The database of every namespace's gateway: a Service `db` there (deployed in kind, where pods connect). */
const DATABASE_URL = 'postgresql://u:p@db/app';

/** The part of prometheus-operator's CRD the operator needs: the kind served, the spec kept as given. */
const serviceMonitorCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: {
      kind: 'ServiceMonitor',
      plural: 'servicemonitors',
      singular: 'servicemonitor',
      listKind: 'ServiceMonitorList',
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        },
      },
    ],
  },
};

/** A small gateway with a database (so a migration Job), one model and one generated key. */
function resources(namespace: string): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'env', namespace },
      stringData: { master: 'sk-master-faults', url: DATABASE_URL, openai: 'sk-openai-faults' },
    },
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'LLMGateway',
      metadata: { name: 'gw', namespace },
      spec: {
        image: IMAGE,
        replicas: 1,
        masterKeySecretRef: { name: 'env', key: 'master' },
        database: { urlSecretRef: { name: 'env', key: 'url' }, migrations: { backoffLimit: 0 } },
      },
    },
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'ModelDeployment',
      metadata: { name: 'gpt', namespace },
      spec: {
        gatewayRef: { name: 'gw' },
        modelName: 'gpt-4o',
        provider: 'openai',
        model: 'gpt-4o',
        credentialsSecretRef: { name: 'env', key: 'openai' },
      },
    },
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'VirtualKey',
      metadata: { name: 'team', namespace },
      spec: { gatewayRef: { name: 'gw' }, rotation: { trigger: 'initial' } },
    },
  ];
}

describe('the operator under faults', () => {
  let cp: TestCluster;
  const running = new Set<OperatorProcess>();
  /** Every operator started, killed ones included: their logs tell which keys were made. */
  const started: OperatorProcess[] = [];
  const start = async (
    options: { name?: string; leaderElect?: boolean; extraArgs?: readonly string[] } = {},
  ): Promise<OperatorProcess> => {
    const operator = await startOperatorProcess({
      kubeconfigPath: cp.kubeconfigPath,
      dir: cp.dir,
      podNamespace: LEASE_NS,
      ...options,
    });
    running.add(operator);
    started.push(operator);
    void operator.exited.then(() => running.delete(operator));
    return operator;
  };
  const configOf = async (namespace: string): Promise<string> =>
    (await getJson<ResourceJson>(cp, 'configmap', 'gw-config', '-n', namespace)).data?.['config.yaml'] ?? '';
  const changeRpm = async (namespace: string, rpm: number): Promise<void> => {
    await cp.kubectl([
      'patch',
      'mdep',
      'gpt',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { rpm } }),
    ]);
  };
  const waitRpm = (namespace: string, rpm: number, timeoutMs?: number) =>
    until(
      `rpm ${rpm} in the config of ${namespace}`,
      async () => ((await configOf(namespace).catch(() => '')).includes(`rpm: ${rpm}`) ? true : undefined),
      timeoutMs,
    );

  beforeAll(async () => {
    cp = await startTestCluster();
    await cp.provideImage(IMAGE, 'gateway');
    await installCrds(cp);
    for (const namespace of [...NAMESPACES, LEASE_NS]) await cp.kubectl(['create', 'namespace', namespace]);
    for (const namespace of NAMESPACES) await provideDatabase(cp, namespace, DATABASE_URL);
  }, 300_000);

  afterAll(async () => {
    for (const operator of running) await operator.kill('SIGKILL');
    await cp.stop();
  }, 60_000);

  it('converges after being SIGKILLed during reconciles, many times: one Job per image, one key per VirtualKey', async () => {
    const kills = 6;
    for (let round = 0; round < kills; round++) {
      const operator = await start({ name: `op-kill-${round}` });
      if (round === 0) await applyJson(cp, ...NAMESPACES.flatMap(resources));
      else for (const namespace of NAMESPACES) await changeRpm(namespace, 100 + round);
      // Somewhere inside the burst of reconciles this start (or change) set off.
      await new Promise((resolve) => setTimeout(resolve, 300 + ((round * 397) % 1200)));
      expect(await operator.kill('SIGKILL')).toBe('SIGKILL');
    }

    const operator = await start({ name: 'op-final' });
    for (const namespace of NAMESPACES) {
      await waitRpm(namespace, 100 + kills - 1);
      const { items: jobs } = await getJson<{ items: ResourceJson[] }>(cp, 'jobs', '-n', namespace);
      expect(jobs.map((job) => job.metadata.name)).toHaveLength(1);
      await cp.completeJobPods(namespace, jobs[0]?.metadata.name ?? '', 'Succeeded');
      await waitForCondition(cp, 'llmgateway/gw', namespace, 'Ready', 'True', 'Available', 120_000);
      const key = decode(
        (await getJson<ResourceJson>(cp, 'secret', 'team', '-n', namespace)).data?.OPENAI_API_KEY,
      );
      const file = await until(`the key of ${namespace} in its keys file`, async () => {
        const secret = await getJson<ResourceJson>(cp, 'secret', 'gw-keys', '-n', namespace);
        const parsed = keysFileSchema.parse(JSON.parse(decode(secret.data?.['keys.json'])));
        return parsed.keys.length === 1 && parsed.keys[0]?.hash === sha256(key) ? parsed : undefined;
      });
      expect(file.keys[0]?.source).toBe(`${namespace}/team`);
      // A key, once written, is never replaced by another one: every key an operator logged making (each
      // logs the keys it makes) is the one the Secret holds, and no KeyGenerated event (one replaces a key
      // the status had reported). The one made may be in no log: a SIGKILL can land between its Secret's
      // write and the log line.
      const made = new Set(
        started.flatMap((op) =>
          op
            .log()
            .split('\n')
            .filter(
              (line) => line.includes('"generated key"') && line.includes(`"virtualKey":"${namespace}/`),
            )
            .map((line) => (JSON.parse(line) as { keyId: string }).keyId),
        ),
      );
      expect([...made].filter((keyId) => keyId !== sha256(key).slice(0, 12))).toEqual([]);
      const generated = (await operatorEvents(cp, namespace)).filter((e) => e.reason === 'KeyGenerated');
      expect(generated).toEqual([]);
      expect((await getJson<{ items: unknown[] }>(cp, 'jobs', '-n', namespace)).items).toHaveLength(1);
    }
    await operator.kill('SIGTERM');

    // A fresh operator on the converged world reconciles everything and writes nothing: the same pass a
    // periodic resync makes.
    const fresh = await start({ name: 'op-fresh' });
    await until('a full pass over every object', async () => {
      const reconciles = await fresh.metric('switchyard_operator_reconciles_total');
      const depth = await fresh.metric('switchyard_operator_queue_depth');
      return reconciles >= NAMESPACES.length * 3 && depth === 0 ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await fresh.metric('switchyard_operator_api_writes_total')).toBe(0);
    expect(await fresh.kill('SIGTERM')).toBe(0);
  }, 420_000);

  it('recovers its watches after the apiserver crashed and reconciles later changes', async (context) => {
    skipUnlessLocal(context, apiserverRestartNeedsLocal);
    const controlPlane = cp.controlPlane;
    if (controlPlane === undefined) throw new Error('no local control plane');
    // Watching two namespaces, as the chart's watchNamespaces does: one list+watch per namespace.
    const operator = await start({ name: 'op-restart', extraArgs: ['--namespaces=faults-a,faults-b'] });
    await until('the operator to be ready', async () =>
      (await operator.readyz()) === 200 ? true : undefined,
    );
    await controlPlane.restartApiserver({ downtimeMs: 3_000 });
    await changeRpm('faults-a', 777);
    await waitRpm('faults-a', 777, 120_000);
    expect(await operator.metric('switchyard_operator_watch_restarts_total')).toBeGreaterThan(0);
    // A namespace it does not watch is not its business.
    await changeRpm('faults-c', 888);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await configOf('faults-c')).not.toContain('rpm: 888');
    expect(await operator.kill('SIGTERM')).toBe(0);
  }, 240_000);

  it('runs two replicas with one leader, fails over when the leader dies, and exits when leadership is lost', async () => {
    const replicas = await Promise.all([
      start({ name: 'op-a', leaderElect: true }),
      start({ name: 'op-b', leaderElect: true }),
    ]);
    const holder = async (): Promise<string> => {
      const lease = await tryGetJson<{ spec: { holderIdentity?: string } }>(
        cp,
        'lease',
        'switchyard-operator',
        '-n',
        LEASE_NS,
      );
      return lease?.spec.holderIdentity ?? '';
    };
    const leaderName = await until('a leader', async () => (await holder()) || undefined);
    const leader = replicas.find((r) => r.name === leaderName);
    const standby = replicas.find((r) => r.name !== leaderName);
    if (!leader || !standby) throw new Error(`unexpected leader ${leaderName}`);
    await until('both replicas ready, one leading', async () =>
      (await leader.readyz()) === 200 &&
      (await standby.readyz()) === 200 &&
      (await leader.metric('switchyard_operator_leader')) === 1 &&
      (await standby.metric('switchyard_operator_leader')) === 0
        ? true
        : undefined,
    );
    await changeRpm('faults-b', 4242);
    await waitRpm('faults-b', 4242);
    // The standby keeps its caches warm and writes nothing.
    expect(await standby.metric('switchyard_operator_reconciles_total')).toBe(0);
    expect(await standby.metric('switchyard_operator_api_writes_total')).toBe(0);

    const killedAt = Date.now();
    await leader.kill('SIGKILL');
    await until(
      'the standby to take over',
      async () =>
        (await holder()) === standby.name && (await standby.metric('switchyard_operator_leader')) === 1
          ? true
          : undefined,
      60_000,
    );
    const failoverMs = Date.now() - killedAt;
    console.info(`failover after SIGKILL took ${failoverMs} ms`);
    expect(failoverMs).toBeLessThan(40_000);
    await changeRpm('faults-b', 4343);
    await waitRpm('faults-b', 4343);

    // A graceful stop hands over at once: the leader drains, releases the Lease, exits 0.
    const third = await start({ name: 'op-c', leaderElect: true });
    await until('op-c ready as a standby', async () => ((await third.readyz()) === 200 ? true : undefined));
    const stoppedAt = Date.now();
    expect(await standby.kill('SIGTERM')).toBe(0);
    await until('op-c to take over the released Lease', async () =>
      (await holder()) === third.name && (await third.metric('switchyard_operator_leader')) === 1
        ? true
        : undefined,
    );
    const handOverMs = Date.now() - stoppedAt;
    console.info(`hand-over after SIGTERM took ${handOverMs} ms`);
    expect(handOverMs).toBeLessThan(15_000);

    // Someone else holds the Lease now (a split brain healed against us): stop at once, exit non-zero.
    const now = new Date().toISOString().replace('Z', '000Z');
    await cp.kubectl([
      'patch',
      'lease',
      'switchyard-operator',
      '-n',
      LEASE_NS,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { holderIdentity: 'intruder', renewTime: now, acquireTime: now } }),
    ]);
    expect(await third.exited).toBe(1);
  }, 240_000);

  it('makes a ServiceMonitor when its CRD is served, and prunes it when the spec drops it', async () => {
    await applyJson(cp, serviceMonitorCrd);
    await cp.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/servicemonitors.monitoring.coreos.com',
      '--timeout=60s',
    ]);
    // Capabilities are read at start (and every few minutes): this operator sees the CRD.
    const operator = await start({ name: 'op-monitor' });
    await cp.kubectl([
      'patch',
      'llmgw',
      'gw',
      '-n',
      'faults-c',
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: { serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } },
      }),
    ]);
    const monitor = await until('the ServiceMonitor', () =>
      tryGetJson<ResourceJson>(cp, 'servicemonitor', 'gw', '-n', 'faults-c'),
    );
    expect(monitor.metadata.labels?.release).toBe('prom');
    expect(monitor.spec).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }] });
    await cp.kubectl([
      'patch',
      'llmgw',
      'gw',
      '-n',
      'faults-c',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/serviceMonitor"}]',
    ]);
    await until('the ServiceMonitor to be pruned', async () =>
      (await tryGetJson(cp, 'servicemonitor', 'gw', '-n', 'faults-c')) === undefined ? true : undefined,
    );
    expect(await operator.kill('SIGTERM')).toBe(0);
  }, 120_000);
});
