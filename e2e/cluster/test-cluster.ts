// The cluster the e2e suites run on, chosen in one place. By default the local control plane of
// ./control-plane.ts (real apiserver, controller-manager and scheduler; kwok plays the node, so pods never
// run and a Job ends when the test says so). With SWITCHYARD_E2E_CLUSTER=kind, an existing kind cluster
// (../kind): pods really run the images built from this checkout, Jobs end when their container exits.
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { startKindCluster } from '../kind/kind-cluster.ts';
import { requireTool } from '../kind/tools.ts';
import { buildBinaries, startControlPlane } from './control-plane.ts';
import type { ControlPlane, JobPodOutcome } from './control-plane.ts';

export type ClusterMode = 'local' | 'kind';

/** SWITCHYARD_E2E_CLUSTER: unset or `local` (the default), or `kind`. */
export function clusterMode(env: NodeJS.ProcessEnv = process.env): ClusterMode {
  const value = env.SWITCHYARD_E2E_CLUSTER ?? '';
  if (value === '' || value === 'local') return 'local';
  if (value === 'kind') return 'kind';
  throw new Error(`SWITCHYARD_E2E_CLUSTER must be "local" or "kind", not "${value}"`);
}

/** All the fixtures need of a cluster. A ControlPlane is one, and so is a TestCluster. */
export interface Kubectl {
  /** Runs kubectl against the cluster; resolves to stdout. */
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
}

/** Which locally built image (Dockerfile.gateway or Dockerfile.operator) an image name stands for. */
export type ImageSource = 'gateway' | 'operator';

/** Where test servers on this machine listen so that pods reach them, and the address pods use for it. */
export interface HostAddresses {
  readonly listen: string;
  readonly forPods: string;
}

export interface TestCluster extends Kubectl {
  readonly mode: ClusterMode;
  /** This suite's scratch dir (kubeconfig, operator logs); removed by stop(). */
  readonly dir: string;
  /** Admin kubeconfig of the cluster. */
  readonly kubeconfigPath: string;
  readonly kubectlPath: string;
  /** The nodes pods are scheduled to. */
  readonly nodeNames: readonly string[];
  /** True when pods really run their containers (kind); false when kwok only fakes their status. */
  readonly runsContainers: boolean;
  /** The local control plane behind this cluster, for what only it can do; undefined in kind mode. */
  readonly controlPlane: ControlPlane | undefined;
  /**
   * Makes `image` runnable by pods as the image built from `source`. Local: nothing to do, kwok pulls nothing.
   * Kind: the image built from this checkout is loaded into the nodes under that name.
   */
  provideImage(image: string, source: ImageSource): Promise<void>;
  /**
   * Keeps the pods of Jobs made from now on from ending until completeJobPods() is called, so a test can see
   * the state while a Job runs. Local: always so (kwok never ends a pod). Kind: new pods stay Pending.
   */
  holdJobPods(): Promise<void>;
  /**
   * Ends a Job's pods with `outcome` and resolves to how many pods ended so. Local: patches their status as a
   * kubelet would report it. Kind: releases a hold, waits until the Job finished by itself, and fails when it
   * did not finish with `outcome` (the test arranges that, e.g. with an unreachable database).
   */
  completeJobPods(namespace: string, jobName: string, outcome: JobPodOutcome): Promise<number>;
  /** Where servers of this test process must listen for pods to reach them. */
  hostAddresses(): Promise<HostAddresses>;
  /** Local: stops the control plane. Kind: deletes what this suite made (the cluster stays), removes `dir`. */
  stop(): Promise<void>;
}

/** The cluster for one suite: a fresh local control plane, or the kind cluster (see clusterMode). */
export async function startTestCluster(): Promise<TestCluster> {
  return clusterMode() === 'kind' ? startKindCluster() : new LocalCluster(await startControlPlane());
}

/** The helm binary: built with the control plane, or (kind mode) `helm` on PATH or $HELM. */
export async function helmBinary(): Promise<string> {
  if (clusterMode() === 'kind') return requireTool('helm');
  return join(await buildBinaries(), 'helm');
}

/** Why the tests that crash kube-apiserver skip in kind mode. */
export const apiserverRestartNeedsLocal =
  'kind runs kube-apiserver as a static pod inside its node container, which a test cannot crash and restart';

/**
 * Skips the running test in kind mode, loudly: a warning line and the reason in the report. For what only the
 * local control plane can do (crash and restart kube-apiserver, inspect its processes).
 */
export function skipUnlessLocal(context: TestContext, why: string): void {
  if (clusterMode() === 'local') return;
  const note = `needs the local control plane: ${why}`;
  console.warn(`SKIPPED in kind mode: "${context.task.name}": ${note}`);
  context.skip(true, note);
}

class LocalCluster implements TestCluster {
  readonly mode = 'local';
  readonly runsContainers = false;
  readonly controlPlane: ControlPlane;

  constructor(controlPlane: ControlPlane) {
    this.controlPlane = controlPlane;
  }

  get dir(): string {
    return this.controlPlane.dir;
  }

  get kubeconfigPath(): string {
    return this.controlPlane.kubeconfigPath;
  }

  get kubectlPath(): string {
    return join(this.controlPlane.binDir, 'kubectl');
  }

  get nodeNames(): readonly string[] {
    return [this.controlPlane.nodeName];
  }

  kubectl(args: readonly string[], stdin?: string): Promise<string> {
    return this.controlPlane.kubectl(args, stdin);
  }

  provideImage(): Promise<void> {
    return Promise.resolve();
  }

  holdJobPods(): Promise<void> {
    return Promise.resolve();
  }

  completeJobPods(namespace: string, jobName: string, outcome: JobPodOutcome): Promise<number> {
    return this.controlPlane.completeJobPods(namespace, jobName, outcome);
  }

  hostAddresses(): Promise<HostAddresses> {
    return Promise.resolve({ listen: '127.0.0.1', forPods: '127.0.0.1' });
  }

  stop(): Promise<void> {
    return this.controlPlane.stop();
  }
}
