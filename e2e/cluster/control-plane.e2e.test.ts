// Smoke test of the e2e cluster: version stamping, scheduling + kwok, Job outcomes, garbage collection,
// apiserver restart and clean shutdown. In kind mode the same checks on the kind cluster, where the pods
// really run (the apiserver restart needs the local control plane).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './control-plane.ts';
import { apiserverRestartNeedsLocal, skipUnlessLocal, startTestCluster } from './test-cluster.ts';
import type { TestCluster } from './test-cluster.ts';

const NS = 'smoke';
// Local: never pulled, kwok only fakes the pod lifecycle. Kind: the gateway image under this name, whose node
// runs the commands below (kwok ignores them).
const IMAGE = 'switchyard.test/noop:1';
const NODE = '/nodejs/bin/node';
const PINNED_VERSION = /^K8S_VERSION=(\S+)$/m.exec(
  readFileSync(join(import.meta.dirname, 'build.sh'), 'utf8'),
)?.[1];

describe('e2e control plane', () => {
  let cp: TestCluster | undefined;
  const cluster = (): TestCluster => {
    if (!cp) throw new Error('control plane not started');
    return cp;
  };
  const apply = (manifest: object) => cluster().kubectl(['apply', '-f', '-'], JSON.stringify(manifest));

  beforeAll(async () => {
    const started = Date.now();
    cp = await startTestCluster();
    console.info(`${cp.mode} cluster ready in ${Date.now() - started} ms (${cp.dir})`);
    await cp.provideImage(IMAGE, 'gateway');
    await cluster().kubectl(['create', 'namespace', NS]);
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('serves the pinned Kubernetes version', async () => {
    const version = JSON.parse(await cluster().kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(PINNED_VERSION).toMatch(/^v1\.\d+\.\d+$/);
    if (cluster().mode === 'kind') {
      // kind publishes node images for some patch releases only: the same minor (e2e/kind/run.sh pins it).
      const minor = PINNED_VERSION?.split('.').slice(0, 2).join('.') ?? '';
      expect(version.serverVersion.gitVersion.startsWith(`${minor}.`)).toBe(true);
      return;
    }
    expect(version.serverVersion.gitVersion).toBe(PINNED_VERSION);
    expect(version.clientVersion.gitVersion).toBe(PINNED_VERSION);
  });

  it('rolls a Deployment out to Ready pods on its node (kwok, or kind)', async () => {
    await apply(deployment('web', 2));
    await cluster().kubectl([
      'wait',
      '-n',
      NS,
      'deployment/web',
      '--for=jsonpath={.status.readyReplicas}=2',
      '--timeout=60s',
    ]);
    const nodes = await cluster().kubectl([
      'get',
      'pods',
      '-n',
      NS,
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].spec.nodeName}',
    ]);
    const scheduled = nodes.split(' ');
    expect(scheduled).toHaveLength(2);
    for (const node of scheduled) expect(cluster().nodeNames).toContain(node);
  }, 90_000);

  it('drives one Job to Complete and another to Failed', async () => {
    await apply(job('ok', 0));
    await apply(job('bad', 1));
    expect(await cluster().completeJobPods(NS, 'ok', 'Succeeded')).toBe(1);
    expect(await cluster().completeJobPods(NS, 'bad', 'Failed')).toBe(1);
    await cluster().kubectl(['wait', '-n', NS, 'job/ok', '--for=condition=Complete', '--timeout=60s']);
    await cluster().kubectl(['wait', '-n', NS, 'job/bad', '--for=condition=Failed', '--timeout=60s']);
  }, 90_000);

  it('garbage-collects the ReplicaSet of a deleted Deployment', async () => {
    const rs = await cluster().kubectl(['get', 'rs', '-n', NS, '-l', 'app=web', '-o', 'name']);
    expect(rs.trim()).toMatch(/^replicaset\.apps\/web-/);
    // Background cascading deletion: the Deployment goes at once, the garbage collector removes its ReplicaSet.
    await cluster().kubectl(['delete', '-n', NS, 'deployment/web', '--cascade=background', '--wait=false']);
    await cluster().kubectl(['wait', '-n', NS, rs.trim(), '--for=delete', '--timeout=60s']);
  }, 90_000);

  it('serves again after an apiserver restart', async (context) => {
    skipUnlessLocal(context, apiserverRestartNeedsLocal);
    await cluster().controlPlane?.restartApiserver({ downtimeMs: 1_000 });
    expect(await cluster().kubectl(['get', '--raw', '/readyz'])).toBe('ok');
    // Controllers reconnect on their own: a new Deployment still rolls out.
    await apply(deployment('after-restart', 1));
    await cluster().kubectl([
      'wait',
      '-n',
      NS,
      'deployment/after-restart',
      '--for=jsonpath={.status.readyReplicas}=1',
      '--timeout=60s',
    ]);
  }, 120_000);

  it('stops every process and removes its temp dir', async () => {
    const { dir, controlPlane } = cluster();
    if (controlPlane === undefined) {
      await cluster().stop();
      cp = undefined;
      expect(existsSync(dir)).toBe(false);
      // A new handle on the same kind cluster: the suite's namespace went with the old one.
      const again = await startTestCluster();
      try {
        expect(await again.kubectl(['get', 'namespace', NS, '--ignore-not-found', '-o', 'name'])).toBe('');
      } finally {
        await again.stop();
      }
      return;
    }
    const processes = controlPlane.processes();
    expect(processes.map((proc) => proc.name).sort()).toEqual(
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'watchdog'].sort(),
    );
    await cluster().stop();
    cp = undefined;
    // Exited children may linger as zombies for a moment until Node reaps them.
    const allGone = () => Promise.resolve(processes.every(({ pid }) => !isAlive(pid)) || undefined);
    await waitFor('all processes gone', allGone, { timeoutMs: 5_000 });
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function deployment(name: string, replicas: number): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'main', image: IMAGE, command: [NODE, '-e', 'setInterval(() => {}, 60_000)'] },
          ],
        },
      },
    },
  };
}

function job(name: string, exitCode: number): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: IMAGE, command: [NODE, '-e', `process.exit(${exitCode})`] }],
        },
      },
    },
  };
}
