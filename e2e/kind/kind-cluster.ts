// An existing kind cluster as the suites' TestCluster (SWITCHYARD_E2E_CLUSTER=kind; run.sh makes one). Pods
// really run: the images built from this checkout are loaded into the nodes under the names the suites use,
// Jobs end when their container exits, readiness comes from the pods' own probes. One cluster serves the
// suites one after another, so each suite's stop() deletes what it made: new namespaces, new cluster-scoped
// objects (CRDs, ClusterRoles, ...) and new objects in `default`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobPodOutcome } from '../cluster/control-plane.ts';
import { waitFor } from '../cluster/control-plane.ts';
import type { HostAddresses, ImageSource, TestCluster } from '../cluster/test-cluster.ts';
import { requireTool, runTool } from './tools.ts';

export const defaultKindClusterName = 'switchyard-e2e';

/** Cluster-scoped kinds whose new objects a suite's stop() deletes. */
const CLUSTER_SCOPED = [
  'namespaces',
  'customresourcedefinitions.apiextensions.k8s.io',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
] as const;
/** Kinds whose new objects in `default` (the minimal example's namespace) stop() deletes. */
const IN_DEFAULT = [
  'deployments.apps',
  'jobs.batch',
  'pods',
  'services',
  'serviceaccounts',
  'secrets',
  'configmaps',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'leases.coordination.k8s.io',
  'horizontalpodautoscalers.autoscaling',
  'poddisruptionbudgets.policy',
] as const;
/** Never deleted, whatever the snapshot says. */
const PROTECTED =
  /^(namespace\/(default|kube-.*|local-path-storage)|clusterrole(binding)?\.rbac\.authorization\.k8s\.io\/(system:|kubeadm:).*)$/;
/** Container states that will not get better by waiting: fail at once, with the reason. */
const STUCK = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** The images the suites' pods run, as run.sh builds them (set these to test other builds). */
export function builtImages(env: NodeJS.ProcessEnv = process.env): Record<ImageSource, string> {
  return {
    gateway: nonEmpty(env.SWITCHYARD_E2E_GATEWAY_IMAGE, 'switchyard-gateway:e2e'),
    operator: nonEmpty(env.SWITCHYARD_E2E_OPERATOR_IMAGE, 'switchyard-operator:e2e'),
  };
}

/**
 * The kind cluster named by SWITCHYARD_E2E_KIND_CLUSTER (default `switchyard-e2e`). Its kubeconfig comes from
 * `kind get kubeconfig`, never from KUBECONFIG: stop() deletes objects, so it must only ever see a kind cluster.
 */
export async function startKindCluster(env: NodeJS.ProcessEnv = process.env): Promise<TestCluster> {
  const tools = { kind: requireTool('kind'), kubectl: requireTool('kubectl'), docker: requireTool('docker') };
  const name = nonEmpty(env.SWITCHYARD_E2E_KIND_CLUSTER, defaultKindClusterName);
  const clusters = (await runTool(tools.kind, ['get', 'clusters'])).split('\n').map((line) => line.trim());
  if (!clusters.includes(name))
    throw new Error(
      `kind mode: there is no kind cluster named "${name}" (kind get clusters: ${clusters.filter(Boolean).join(', ') || 'none'}). ` +
        '`npm run e2e:kind` makes one, or set SWITCHYARD_E2E_KIND_CLUSTER to the one you have.',
    );
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-kind-'));
  try {
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, await runTool(tools.kind, ['get', 'kubeconfig', '--name', name]), {
      mode: 0o600,
    });
    const cluster = new KindCluster(name, dir, kubeconfigPath, tools, env);
    await cluster.start();
    return cluster;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface PodJson {
  metadata: { name: string; ownerReferences?: { uid: string }[] };
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string } } }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface JobJson {
  metadata: { name: string; uid: string };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

/** Image names loaded in this process, per cluster: loading is idempotent but takes seconds. */
const loadedImages = new Set<string>();

class KindCluster implements TestCluster {
  readonly mode = 'kind';
  readonly runsContainers = true;
  readonly controlPlane = undefined;
  readonly name: string;
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly kubectlPath: string;
  nodeNames: readonly string[] = [];
  private readonly tools: { kind: string; kubectl: string; docker: string };
  private readonly env: NodeJS.ProcessEnv;
  private clusterSnapshot = new Set<string>();
  private defaultSnapshot = new Set<string>();
  private held = false;
  private stopped = false;

  constructor(
    name: string,
    dir: string,
    kubeconfigPath: string,
    tools: { kind: string; kubectl: string; docker: string },
    env: NodeJS.ProcessEnv,
  ) {
    this.name = name;
    this.dir = dir;
    this.kubeconfigPath = kubeconfigPath;
    this.kubectlPath = tools.kubectl;
    this.tools = tools;
    this.env = env;
  }

  async start(): Promise<void> {
    this.nodeNames = (await this.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']))
      .split(' ')
      .filter(Boolean);
    if (this.nodeNames.length === 0) throw new Error(`kind cluster ${this.name} has no nodes`);
    // A run that died while holding Job pods left its nodes cordoned.
    await this.kubectl(['uncordon', ...this.nodeNames]);
    await waitFor(
      `the nodes of kind cluster ${this.name} to be Ready`,
      async () => {
        const ready = await this.kubectl([
          'get',
          'nodes',
          '-o',
          'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
        ]);
        return ready.split(' ').every((status) => status === 'True') ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    this.clusterSnapshot = await this.names(CLUSTER_SCOPED);
    this.defaultSnapshot = await this.names(IN_DEFAULT, 'default');
    const leftover = [...this.clusterSnapshot].filter(
      (name) => name.startsWith('namespace/') && !PROTECTED.test(name),
    );
    if (leftover.length > 0)
      console.warn(
        `kind cluster ${this.name} holds namespaces no suite is running in (${leftover.join(', ')}): left by ` +
          `an earlier run? Suites that make them again will fail; kind delete cluster --name ${this.name} starts clean.`,
      );
  }

  kubectl(args: readonly string[], stdin?: string): Promise<string> {
    return runTool(this.tools.kubectl, ['--kubeconfig', this.kubeconfigPath, ...args], stdin);
  }

  async provideImage(image: string, source: ImageSource): Promise<void> {
    const key = `${this.name}\u0000${image}`;
    if (loadedImages.has(key)) return;
    const built = builtImages(this.env)[source];
    if ((await this.imageId(built)) === undefined)
      throw new Error(
        `kind mode: no local image ${built}; build it with docker build -f Dockerfile.${source} -t ${built} . ` +
          '(npm run e2e:kind does)',
      );
    if (image === built) {
      await this.kindLoad(image);
    } else {
      // `kind load` takes a name the local Docker knows: tag the build with it for the load, then put the
      // name back the way it was (another image, or no image).
      const previous = await this.imageId(image);
      await runTool(this.tools.docker, ['tag', built, image]);
      try {
        await this.kindLoad(image);
      } finally {
        if (previous === undefined) await runTool(this.tools.docker, ['rmi', image]);
        else await runTool(this.tools.docker, ['tag', previous, image]);
      }
    }
    loadedImages.add(key);
  }

  async holdJobPods(): Promise<void> {
    // Cordoned nodes take no new pods, so a Job's pod stays Pending, and the Job active, until released.
    await this.kubectl(['cordon', ...this.nodeNames]);
    this.held = true;
  }

  async completeJobPods(namespace: string, jobName: string, outcome: JobPodOutcome): Promise<number> {
    await this.releaseHold();
    const stuck = new AbortController();
    let lastPods = '(none yet)';
    const finished = await waitFor(
      `job ${namespace}/${jobName} to finish`,
      async () => {
        const job = JSON.parse(
          await this.kubectl(['get', 'job', jobName, '-n', namespace, '-o', 'json']),
        ) as JobJson;
        const pods = await this.podsOf(namespace, job);
        lastPods = pods.map(describePod).join('; ') || '(none yet)';
        const blocked = pods.flatMap(stuckReasons);
        if (blocked.length > 0)
          stuck.abort(new Error(`pods of job ${namespace}/${jobName} cannot run: ${blocked.join('; ')}`));
        const done = job.status?.conditions?.find(
          (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
        );
        return done === undefined ? undefined : { succeeded: done.type === 'Complete', pods };
      },
      { timeoutMs: 300_000, intervalMs: 1_000, signal: stuck.signal },
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)} (pods: ${lastPods})`, {
        cause: error,
      });
    });
    if (finished.succeeded !== (outcome === 'Succeeded')) {
      const logs = await this.kubectl([
        'logs',
        '-n',
        namespace,
        '-l',
        `batch.kubernetes.io/job-name=${jobName}`,
        '--all-containers',
        '--prefix',
        '--tail=40',
      ]).catch((error: unknown) => String(error));
      throw new Error(
        `job ${namespace}/${jobName} ${finished.succeeded ? 'succeeded' : 'failed'}, but the test expected ` +
          `${outcome}: in kind its pods really run, so the test must arrange the outcome. Its logs:\n${logs}`,
      );
    }
    return finished.pods.filter((pod) => pod.status?.phase === outcome).length;
  }

  async hostAddresses(): Promise<HostAddresses> {
    const listen = this.env.SWITCHYARD_E2E_LISTEN_ADDRESS;
    const forPods = this.env.SWITCHYARD_E2E_HOST_ADDRESS;
    if (listen !== undefined && listen !== '' && forPods !== undefined && forPods !== '')
      return { listen, forPods };
    if (process.platform !== 'linux')
      // Docker Desktop: the nodes run in a VM, and host.docker.internal reaches this machine from it.
      return { listen: nonEmpty(listen, '127.0.0.1'), forPods: nonEmpty(forPods, 'host.docker.internal') };
    // Linux: the kind network's bridge is an address of this machine that the nodes (and, through them, pods)
    // route to.
    const network = nonEmpty(this.env.KIND_EXPERIMENTAL_DOCKER_NETWORK, 'kind');
    const gateways = await runTool(this.tools.docker, [
      'network',
      'inspect',
      network,
      '--format',
      '{{range .IPAM.Config}}{{.Gateway}} {{end}}',
    ]);
    const bridge = gateways.split(' ').find((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address));
    if (bridge === undefined)
      throw new Error(
        `kind mode: docker network ${network} has no IPv4 gateway (${gateways.trim()}); set ` +
          'SWITCHYARD_E2E_HOST_ADDRESS (what pods reach this machine at) and SWITCHYARD_E2E_LISTEN_ADDRESS',
      );
    return { listen: nonEmpty(listen, bridge), forPods: nonEmpty(forPods, bridge) };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.releaseHold();
    if (this.env.SWITCHYARD_E2E_KIND_KEEP_OBJECTS === '1') {
      console.warn(
        `SWITCHYARD_E2E_KIND_KEEP_OBJECTS=1: left what this suite made in ${this.name}, and ${this.dir}`,
      );
      return;
    }
    await this.deleteWhatThisSuiteMade();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async releaseHold(): Promise<void> {
    if (!this.held) return;
    await this.kubectl(['uncordon', ...this.nodeNames]);
    this.held = false;
  }

  private async deleteWhatThisSuiteMade(): Promise<void> {
    const made = difference(await this.names(CLUSTER_SCOPED), this.clusterSnapshot);
    const namespaces = made.filter((name) => name.startsWith('namespace/'));
    const others = made.filter((name) => !name.startsWith('namespace/'));
    const inDefault = difference(await this.names(IN_DEFAULT, 'default'), this.defaultSnapshot);
    if (namespaces.length > 0) {
      await this.kubectl(['delete', ...namespaces, '--wait=false', '--ignore-not-found']);
      // A terminating namespace admits no new pod; gateway pods would take their grace period of minutes.
      for (const namespace of namespaces)
        await this.forceDeletePods(['--all', '-n', namespace.slice('namespace/'.length)]);
    }
    const pods = inDefault.filter((name) => name.startsWith('pod/'));
    const rest = inDefault.filter((name) => !name.startsWith('pod/'));
    if (rest.length > 0)
      await this.kubectl(['delete', ...rest, '-n', 'default', '--wait=false', '--ignore-not-found']);
    if (pods.length > 0) await this.forceDeletePods([...pods, '-n', 'default']);
    if (others.length > 0) await this.kubectl(['delete', ...others, '--wait=false', '--ignore-not-found']);
    // The next suite may make a namespace or CRD of the same name: wait until these are gone.
    const awaited = [...namespaces, ...others];
    if (awaited.length === 0) return;
    let left = '';
    await waitFor(
      `what the suite made to be deleted from kind cluster ${this.name}`,
      async () => {
        left = (await this.kubectl(['get', ...awaited, '--ignore-not-found', '-o', 'name'])).trim();
        return left === '' ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1_000 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; still there: ${left.split('\n').join(', ')}`, { cause: error });
    });
  }

  private async forceDeletePods(selection: readonly string[]): Promise<void> {
    await this.kubectl([
      'delete',
      'pods',
      ...selection,
      '--force',
      '--grace-period=0',
      '--wait=false',
      '--ignore-not-found',
    ]);
  }

  /** `kind/name` of every object of these kinds (cluster-scoped, or in `namespace`). */
  private async names(kinds: readonly string[], namespace?: string): Promise<Set<string>> {
    const scope = namespace === undefined ? [] : ['-n', namespace];
    const text = await this.kubectl(['get', kinds.join(','), ...scope, '-o', 'name']);
    return new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    );
  }

  private async podsOf(namespace: string, job: JobJson): Promise<PodJson[]> {
    const list = JSON.parse(
      await this.kubectl([
        'get',
        'pods',
        '-n',
        namespace,
        '-l',
        `batch.kubernetes.io/job-name=${job.metadata.name}`,
        '-o',
        'json',
      ]),
    ) as { items: PodJson[] };
    // A Job deleted and made again under the same name: only the pods of this one.
    return list.items.filter((pod) =>
      pod.metadata.ownerReferences?.some((ref) => ref.uid === job.metadata.uid),
    );
  }

  private async imageId(image: string): Promise<string | undefined> {
    try {
      return (await runTool(this.tools.docker, ['image', 'inspect', '--format', '{{.Id}}', image])).trim();
    } catch {
      return undefined;
    }
  }

  private async kindLoad(image: string): Promise<void> {
    await runTool(this.tools.kind, ['load', 'docker-image', image, '--name', this.name]);
  }
}

function describePod(pod: PodJson): string {
  const waiting = pod.status?.containerStatuses
    ?.map((status) => status.state?.waiting?.reason)
    .filter((reason) => reason !== undefined);
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const detail = [...(waiting ?? []), ...(unscheduled ? [`unscheduled: ${unscheduled.message ?? ''}`] : [])];
  return `${pod.metadata.name} ${pod.status?.phase ?? 'Unknown'}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
}

function stuckReasons(pod: PodJson): string[] {
  return (pod.status?.containerStatuses ?? []).flatMap((status) => {
    const waiting = status.state?.waiting;
    return waiting?.reason !== undefined && STUCK.has(waiting.reason)
      ? [`${pod.metadata.name}/${status.name}: ${waiting.reason}: ${waiting.message ?? ''}`]
      : [];
  });
}

function difference(now: Set<string>, before: Set<string>): string[] {
  return [...now].filter((name) => !before.has(name) && !PROTECTED.test(name)).sort();
}

function nonEmpty(value: string | undefined, fallback: string): string {
  return value === undefined || value === '' ? fallback : value;
}
