// The operator as a real child process (`node operator/cli.ts run`), as the Helm chart runs it: flags,
// POD_NAME/POD_NAMESPACE, a kubeconfig. Logs go to a file in the control plane's dir.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../cluster/control-plane.ts';

const CLI = join(import.meta.dirname, '../../operator/cli.ts');

export interface OperatorProcessOptions {
  readonly kubeconfigPath: string;
  /** Where the log file goes (the control plane's temp dir). */
  readonly dir: string;
  readonly name?: string;
  readonly leaderElect?: boolean;
  readonly extraArgs?: readonly string[];
  readonly podNamespace?: string;
  /** The entry point run: operator/cli.ts unless given (e2e/scale runs the compiled dist/operator/cli.js). */
  readonly cli?: string;
}

export interface OperatorProcess {
  readonly name: string;
  readonly pid: number;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly logPath: string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** The text of /metrics. */
  metrics(): Promise<string>;
  /** Sum of a metric's samples whose labels include `labels`. */
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  readyz(): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const name = options.name ?? 'operator';
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const logPath = join(options.dir, `${name}-${Date.now()}.log`);
  const out = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      options.cli ?? CLI,
      'run',
      `--metrics-port=${metricsPort}`,
      `--health-port=${healthPort}`,
      `--leader-elect=${options.leaderElect === true ? 'true' : 'false'}`,
      ...(options.extraArgs ?? []),
    ],
    {
      env: {
        ...process.env,
        KUBECONFIG: options.kubeconfigPath,
        POD_NAME: name,
        POD_NAMESPACE: options.podNamespace ?? 'default',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  liveChildren.add(child);
  void exited.then(() => liveChildren.delete(child));
  const base = `http://127.0.0.1:${metricsPort}`;
  const metrics = async (): Promise<string> => {
    const response = await fetch(`${base}/metrics`);
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  };
  const operator: OperatorProcess = {
    name,
    pid: child.pid ?? -1,
    metricsPort,
    healthPort,
    logPath,
    exited,
    metrics,
    async metric(metricName, labels = {}) {
      return sumSamples(await metrics(), metricName, labels);
    },
    async readyz() {
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      return response.status;
    },
    async kill(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
    log: () => readFileSync(logPath, 'utf8'),
  };
  // Serving /metrics means the flags parsed and the apiserver answered discovery.
  await waitFor(`${name} to serve /metrics`, async () => ((await metrics()) ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n${operator.log().slice(-4000)}`);
  });
  return operator;
}

/** Sum of the samples of `name` whose labels include `labels` (Prometheus text format). */
export function sumSamples(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const sampleLabels = new Map<string, string>();
    for (const label of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      sampleLabels.set(label[1] ?? '', label[2] ?? '');
    if (Object.entries(labels).every(([key, value]) => sampleLabels.get(key) === value))
      sum += Number(match[4]);
  }
  return sum;
}

// A test that fails half-way must not leave an operator running against a stopped control plane.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
