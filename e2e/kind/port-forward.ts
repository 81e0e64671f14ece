// `kubectl port-forward` as a handle: a loopback port here that reaches a Service or pod of the cluster,
// for tests that talk to what runs in kind (the gateway, its PostgreSQL and Redis).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '../cluster/control-plane.ts';

export interface PortForward {
  /** The local port (on 127.0.0.1). */
  readonly port: number;
  close(): Promise<void>;
}

export interface PortForwardTarget {
  readonly kubectlPath: string;
  readonly kubeconfigPath: string;
}

/** Forwards a free loopback port to `remotePort` of `target` (`svc/name`, `pod/name`) in `namespace`. */
export async function portForward(
  cluster: PortForwardTarget,
  namespace: string,
  target: string,
  remotePort: number,
): Promise<PortForward> {
  const child = spawn(
    cluster.kubectlPath,
    [
      '--kubeconfig',
      cluster.kubeconfigPath,
      'port-forward',
      '-n',
      namespace,
      target,
      `:${String(remotePort)}`,
      '--address=127.0.0.1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(() => {
    live.delete(child);
  });
  const ended = new AbortController();
  void exited.then(() => {
    ended.abort(new Error(`kubectl port-forward ${namespace}/${target} exited: ${output.trim()}`));
  });
  const port = await waitFor(
    `kubectl port-forward ${namespace}/${target}`,
    () => {
      const match = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
      return Promise.resolve(match?.[1] === undefined ? undefined : Number(match[1]));
    },
    { timeoutMs: 60_000, intervalMs: 100, signal: ended.signal },
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    port,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// A test that fails half-way must not leave port-forwards running.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
