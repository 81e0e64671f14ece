// The install paths users take: the Helm chart, manifests/install.yaml rendered from it, and Argo CD's health
// checks, against the real helm, a real kube-apiserver and lua. In kind mode the operator's pods really run
// (the operator image built from this checkout), and so do the gateway pods of the minimal example.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGatewayImage } from '../../operator/defaults.ts';
import { helmBinary, startTestCluster, type TestCluster } from '../cluster/test-cluster.ts';
import { startOperatorProcess, type OperatorProcess } from '../operator/operator-process.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const chart = join(root, 'charts/switchyard-operator');

let helm: string;
beforeAll(async () => {
  helm = await helmBinary();
}, 900_000);

async function template(...args: string[]): Promise<string> {
  const { stdout } = await run(helm, ['template', 'sy', chart, '--kube-version', '1.36.0', ...args]);
  return stdout;
}

/** The images a rendered manifest's pods run (`image: '...'`, as the chart writes them). */
function imagesIn(yaml: string): string[] {
  return [...new Set([...yaml.matchAll(/^\s*image: '([^']+)'$/gm)].map((match) => match[1] ?? ''))];
}

async function templateError(...args: string[]): Promise<string> {
  try {
    await template(...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error('helm template succeeded');
}

describe('the Helm chart', () => {
  it('passes helm lint', async () => {
    const { stdout } = await run(helm, ['lint', chart, '--kube-version', '1.36.0']);
    expect(stdout).toContain('0 chart(s) failed');
  });

  it('ships the generated CRDs unchanged', () => {
    const generated = readdirSync(join(root, 'crds')).sort();
    expect(readdirSync(join(chart, 'crds')).sort()).toEqual(generated);
    for (const file of generated)
      expect(readFileSync(join(chart, 'crds', file), 'utf8'), file).toBe(
        readFileSync(join(root, 'crds', file), 'utf8'),
      );
  });

  it('is what manifests/install.yaml was rendered from (run charts/render-install.sh after a change)', async () => {
    const { stdout } = await run(helm, [
      'template',
      'switchyard',
      chart,
      '--namespace',
      'switchyard-system',
      '--include-crds',
      '--kube-version',
      '1.36.0',
    ]);
    const rendered = stdout.replace(/^# Source: .*\n/gm, '').replace(/^---\n/, '');
    expect(readFileSync(join(root, 'manifests/install.yaml'), 'utf8')).toContain(rendered);
  });

  it('refuses bad values at install with a message naming the value', async () => {
    expect(await templateError('--set', 'replicaCount=0')).toMatch(/replicaCount.*minimum/);
    expect(await templateError('--set', 'logLevel=loud')).toMatch(/logLevel.*must be one of/);
    expect(await templateError('--set', 'watchNamespaces[0]=Not_A_Namespace')).toMatch(/watchNamespaces/);
    expect(await templateError('--set', 'imagePullPolicy=Always')).toMatch(/imagePullPolicy/);
  });

  it('grants cluster-wide rights only without watchNamespaces, and a Role per namespace with it', async () => {
    const clusterWide = await template();
    expect(clusterWide).toMatch(/kind: ClusterRole\nmetadata:\n {2}name: sy-switchyard-operator\n/);
    const scoped = await template('--set', 'watchNamespaces={team-a,team-b}');
    expect(scoped).not.toMatch(/kind: ClusterRole\nmetadata:\n {2}name: sy-switchyard-operator\n/);
    expect(scoped).toMatch(/kind: Role\nmetadata:\n {2}name: sy-switchyard-operator\n {2}namespace: team-a/);
    expect(scoped).toMatch(/kind: Role\nmetadata:\n {2}name: sy-switchyard-operator\n {2}namespace: team-b/);
    expect(scoped).toContain('--namespaces=team-a,team-b');
  });

  it('runs the operator non-root on a read-only root filesystem with leader election and probes', async () => {
    const out = await template();
    expect(out).toContain('replicas: 2');
    expect(out).toContain('--leader-elect=true');
    expect(out).toContain('readOnlyRootFilesystem: true');
    expect(out).toContain('runAsNonRoot: true');
    expect(out).toContain('capabilities: { drop: [ALL] }');
    expect(out).toMatch(/readinessProbe:\n\s+httpGet: \{ path: \/readyz, port: health \}/);
  });
});

describe('manifests/install.yaml on a real apiserver', () => {
  let cp: TestCluster | undefined;
  const cluster = (): TestCluster => {
    if (cp === undefined) throw new Error('control plane not started');
    return cp;
  };

  beforeAll(async () => {
    cp = await startTestCluster();
    for (const image of imagesIn(readFileSync(join(root, 'manifests/install.yaml'), 'utf8')))
      await cp.provideImage(image, 'operator');
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('applies server-side, establishes the CRDs and rolls the operator out', async () => {
    await cluster().kubectl(['apply', '--server-side', '-f', join(root, 'manifests/install.yaml')]);
    for (const crd of ['llmgateways', 'modeldeployments', 'virtualkeys'])
      await cluster().kubectl([
        'wait',
        '--for=condition=Established',
        `crd/${crd}.switchyard.dev`,
        '--timeout=60s',
      ]);
    // Local: kwok plays the node, the image is never pulled, the pods just report Running and Ready. Kind: the
    // operator image built from this checkout runs, and its readiness probe says when.
    await cluster().kubectl([
      'rollout',
      'status',
      '-n',
      'switchyard-system',
      'deployment/switchyard-switchyard-operator',
      '--timeout=90s',
    ]);
    const names = await cluster().kubectl(['api-resources', '--categories=switchyard', '-o', 'name']);
    expect(names.trim().split('\n').sort()).toEqual([
      'llmgateways.switchyard.dev',
      'modeldeployments.switchyard.dev',
      'virtualkeys.switchyard.dev',
    ]);
  }, 180_000);

  it('accepts every example and every object the operator renders for them (server-side dry run)', async () => {
    await cluster().kubectl(['create', 'namespace', 'llm']);
    const files = ['production', 'minimal'].flatMap((dir) =>
      readdirSync(join(root, 'manifests/examples', dir)).map((file) =>
        join(root, 'manifests/examples', dir, file),
      ),
    );
    for (const file of files)
      await cluster().kubectl([
        'apply',
        '--server-side',
        '--dry-run=server',
        '--field-manager=test',
        '-f',
        file,
      ]);
    // The rendered objects, less the ServiceMonitor: that CRD belongs to the Prometheus operator, not installed here.
    for (const name of ['production', 'minimal']) {
      const rendered = readFileSync(join(root, 'manifests/examples/rendered', `${name}.yaml`), 'utf8')
        .split(/^---$/m)
        .filter((document) => !/^kind: ServiceMonitor$/m.test(document))
        .join('---');
      await cluster().kubectl(
        ['apply', '--server-side', '--dry-run=server', '--field-manager=test', '-f', '-'],
        rendered,
      );
    }
  }, 120_000);

  it("gives the operator's service account what it uses and nothing more", async () => {
    // kubectl auth can-i exits 1 when the answer is no; the answer is on stdout either way.
    const canI = async (...args: string[]) => {
      const command = [
        '--kubeconfig',
        cluster().kubeconfigPath,
        'auth',
        'can-i',
        '--as=system:serviceaccount:switchyard-system:switchyard-switchyard-operator',
        ...args,
      ];
      try {
        return (await run(cluster().kubectlPath, command)).stdout.trim();
      } catch (error) {
        return String((error as { stdout?: string }).stdout).trim();
      }
    };
    expect(await canI('patch', 'deployments.apps', '-n', 'team-a')).toBe('yes');
    expect(await canI('patch', 'llmgateways.switchyard.dev/status', '-n', 'team-a')).toBe('yes');
    expect(await canI('create', 'leases.coordination.k8s.io', '-n', 'switchyard-system')).toBe('yes');
    expect(await canI('create', 'leases.coordination.k8s.io', '-n', 'team-a')).toBe('no');
    expect(await canI('delete', 'nodes')).toBe('no');
    expect(await canI('create', 'clusterrolebindings.rbac.authorization.k8s.io')).toBe('no');
    expect(await canI('delete', 'customresourcedefinitions.apiextensions.k8s.io')).toBe('no');
  }, 60_000);
});

describe('helm install on a real apiserver', () => {
  let cp: TestCluster | undefined;
  let operator: OperatorProcess | undefined;
  const cluster = (): TestCluster => {
    if (cp === undefined) throw new Error('control plane not started');
    return cp;
  };

  beforeAll(async () => {
    cp = await startTestCluster();
    // The operator's pods (the chart's image) and the minimal example's gateway (the operator's default image).
    for (const image of imagesIn(await template())) await cp.provideImage(image, 'operator');
    await cp.provideImage(defaultGatewayImage, 'gateway');
  }, 300_000);

  afterAll(async () => {
    await operator?.kill();
    await cp?.stop();
  });

  it("brings the operator up, and with its service account's rights it reconciles the minimal example to Ready", async () => {
    const { stdout } = await run(helm, [
      'install',
      'switchyard',
      chart,
      '--kubeconfig',
      cluster().kubeconfigPath,
      '--namespace',
      'switchyard-system',
      '--create-namespace',
      '--wait',
      '--timeout',
      '120s',
    ]);
    expect(stdout).toContain('STATUS: deployed');
    expect(stdout).toContain('Next steps');

    // The operator runs here too, as a process with exactly the chart's args and the chart's service account
    // token: the RBAC the chart grants is all it has (with kwok it is the only operator that runs; in kind it
    // shares the Lease with the chart's pods, and whichever leads must manage with those rights).
    const deployment = JSON.parse(
      await cluster().kubectl([
        'get',
        'deployment',
        '-n',
        'switchyard-system',
        'switchyard-switchyard-operator',
        '-o',
        'json',
      ]),
    ) as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain('--leader-elect=true');
    const token = (
      await cluster().kubectl([
        'create',
        'token',
        'switchyard-switchyard-operator',
        '-n',
        'switchyard-system',
      ])
    ).trim();
    const admin = JSON.parse(
      await cluster().kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']),
    ) as {
      clusters: { cluster: Record<string, string> }[];
    };
    const serviceAccountConfig = join(cluster().dir, 'operator-sa.kubeconfig');
    writeFileSync(
      serviceAccountConfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'e2e', cluster: admin.clusters[0]?.cluster }],
        users: [{ name: 'operator', user: { token } }],
        contexts: [{ name: 'operator', context: { cluster: 'e2e', user: 'operator' } }],
        'current-context': 'operator',
      }),
    );
    operator = await startOperatorProcess({
      kubeconfigPath: serviceAccountConfig,
      dir: cluster().dir,
      leaderElect: true,
      podNamespace: 'switchyard-system',
      extraArgs: args.filter(
        (arg) => !/^(run|--metrics-port=.*|--health-port=.*|--leader-elect=.*)$/.test(arg),
      ),
    });

    await cluster().kubectl([
      'create',
      'secret',
      'generic',
      'demo-master-key',
      '--from-literal=master-key=sk-demo-master-0001',
    ]);
    await cluster().kubectl(['apply', '-f', join(root, 'manifests/examples/minimal/gateway.yaml')]);
    await cluster().kubectl(['wait', 'llmgateway/demo', '--for=condition=Ready', '--timeout=120s']);
    await cluster().kubectl(['wait', 'virtualkey/demo-app', '--for=condition=Ready', '--timeout=60s']);
    expect(operator.log()).not.toMatch(/forbidden/i);

    // The documented CRD upgrade (Helm never upgrades crds/): apply the chart's CRDs server-side over the
    // installed ones while resources of every kind exist.
    const crds = (await run(helm, ['show', 'crds', chart])).stdout;
    await cluster().kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], crds);
    await cluster().kubectl([
      'wait',
      '--for=condition=Established',
      'crd/llmgateways.switchyard.dev',
      '--timeout=30s',
    ]);
    await cluster().kubectl(['wait', 'llmgateway/demo', '--for=condition=Ready', '--timeout=60s']);
  }, 300_000);
});

describe("Argo CD's health checks", () => {
  const script = readFileSync(join(root, 'manifests/argocd/health.lua'), 'utf8');

  /** A JSON value as a Lua table constructor. */
  function lua(value: unknown): string {
    if (value === null || value === undefined) return 'nil';
    if (Array.isArray(value)) return `{${value.map(lua).join(', ')}}`;
    if (typeof value === 'object')
      return `{${Object.entries(value)
        .map(([key, item]) => `[${JSON.stringify(key)}] = ${lua(item)}`)
        .join(', ')}}`;
    return JSON.stringify(value);
  }

  async function health(object: unknown): Promise<{ status: string; message: string }> {
    const program = `obj = ${lua(object)}\nlocal hs = (function()\n${script}\nend)()\nprint(hs.status .. "|" .. hs.message)`;
    const { stdout } = await run('lua5.4', ['-e', program]);
    const [status = '', message = ''] = stdout.trim().split('|');
    return { status, message };
  }

  const ready = { type: 'Ready', status: 'True', reason: 'Ready', message: '3/3 replicas ready' };
  const degraded = { type: 'Degraded', status: 'True', reason: 'MigrationFailed', message: 'job failed' };

  it('is Progressing until the operator has seen the latest generation', async () => {
    expect((await health({ metadata: { generation: 2 } })).status).toBe('Progressing');
    const stale = { metadata: { generation: 3 }, status: { observedGeneration: 2, conditions: [ready] } };
    expect(await health(stale)).toEqual({
      status: 'Progressing',
      message: 'Waiting for the operator to reconcile the latest change',
    });
  });

  it('is Healthy when Ready, Degraded when Degraded (whatever Ready says), else Progressing', async () => {
    const at = (conditions: unknown[]) => ({
      metadata: { generation: 2 },
      status: { observedGeneration: 2, conditions },
    });
    expect(await health(at([ready]))).toEqual({ status: 'Healthy', message: '3/3 replicas ready' });
    expect(await health(at([ready, degraded]))).toEqual({ status: 'Degraded', message: 'job failed' });
    expect(await health(at([{ type: 'Ready', status: 'False', reason: 'RollingOut' }]))).toEqual({
      status: 'Progressing',
      message: 'RollingOut',
    });
    expect((await health(at([]))).status).toBe('Progressing');
  });

  it('is installed for the three kinds by the argocd-cm snippet, as health.lua says', () => {
    const snippet = readFileSync(join(root, 'manifests/argocd/argocd-cm-health.yaml'), 'utf8');
    const indented = script
      .trimEnd()
      .split('\n')
      .map((line) => (line === '' ? '' : `    ${line}`))
      .join('\n');
    for (const kind of ['LLMGateway', 'ModelDeployment', 'VirtualKey'])
      expect(snippet).toContain(`  resource.customizations.health.switchyard.dev_${kind}: |\n${indented}\n`);
  });
});
